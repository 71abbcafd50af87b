"""A cap on the requests served at once; beyond it, 503 in the contract's JSON."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from .responses import status_response

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 1


class RequestCap:
    """ASGI middleware: at most `limit` requests in flight; `exempt` paths are always served."""

    def __init__(
        self, app: ASGIApp, *, limit: int, exempt: frozenset[str] = frozenset({"/health"})
    ) -> None:
        self.app = app
        self.limit = limit
        self.exempt = exempt
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            log.warning("refused a request: %d are in flight (MAX_REQUESTS)", self.in_flight)
            busy = f"the server is serving {self.limit} requests at once; try again shortly"
            answer = status_response(
                Request(scope), 503, busy, {"Retry-After": str(RETRY_AFTER_SECONDS)}
            )
            await answer(scope, receive, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
