"""Connections must deliver each request head in time, or they are closed.

uvicorn closes a keep-alive connection after `timeout_keep_alive` seconds without data, but
only after a response, and any byte restarts that timer; a connection that never sends a
request, or dribbles its head a byte at a time, stays open for ever. Here the head has a
total deadline instead, counted from the connection opening or from the previous response
finishing. h11's own limit on the size of a head (16 KiB) stays as it is.
"""

from __future__ import annotations

import asyncio
import logging

import h11
from h11._connection import DEFAULT_MAX_INCOMPLETE_EVENT_SIZE
from uvicorn.protocols.http.h11_impl import STATUS_PHRASES, H11Protocol

from .responses import status_response

log = logging.getLogger(__name__)


class HeadDeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose request head is late."""

    head_timeout: float = 10.0
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._watch_head()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._watch_head()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._watch_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        """Refuse a malformed or oversized head in the contract's JSON, then close."""
        limit = DEFAULT_MAX_INCOMPLETE_EVENT_SIZE // 1024
        answer = status_response(
            None, 400, f"not valid HTTP/1.1, or a request head over {limit} KiB"
        )
        headers = [*answer.raw_headers, (b"connection", b"close")]
        for event in (
            h11.Response(status_code=400, headers=headers, reason=STATUS_PHRASES[400]),
            h11.Data(data=bytes(answer.body)),
            h11.EndOfMessage(),
        ):
            self.transport.write(self.conn.send(event) or b"")
        self.transport.close()

    def _watch_head(self) -> None:
        """Arm the deadline while a head is awaited (once: it is not moved), else disarm it."""
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            self._disarm()
        elif self._deadline is None:
            self._deadline = self.loop.call_later(self.head_timeout, self._head_late)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _head_late(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            log.debug("closing %s: no request head within %g s", self.client, self.head_timeout)
            self.transport.close()


def head_deadline_protocol(seconds: float) -> type[HeadDeadlineProtocol]:
    """The protocol class for uvicorn's `http=`, with a head deadline of `seconds`."""

    class Protocol(HeadDeadlineProtocol):
        head_timeout = seconds

    return Protocol
