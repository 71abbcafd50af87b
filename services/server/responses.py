"""The contract's error answers: a `status` object with the HTTP code repeated inside.

Like a success answer, each carries `status.request_id` and `statistics["processing time"]`,
timed from when `Stopwatch` saw the request arrive.
"""

from __future__ import annotations

import time
from http import HTTPStatus

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from ..contract.wire import PROCESSING_TIME, Status
from ..logs import HEADER, REQUEST_ID, accepted_request_id, new_request_id

_ARRIVED = "arrived"
_ID = "request_id"


class CallError(Exception):
    """A call refused as a whole; becomes a JSON answer with `status.error_description`."""

    def __init__(self, code: int, description: str, headers: dict[str, str] | None = None):
        self.code = code
        self.description = description
        self.headers = headers or {}
        super().__init__(description)


class Stopwatch:
    """ASGI middleware: notes when each request arrived, and its request id (the caller's
    `X-Request-ID`, or a new one), which its log lines and its answer carry."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get(HEADER)
        request_id = accepted_request_id(given)
        scope.setdefault("state", {}).update({_ARRIVED: time.perf_counter(), _ID: request_id})
        token = REQUEST_ID.set(request_id)
        try:
            await self.app(scope, receive, send)
        finally:
            REQUEST_ID.reset(token)


def request_id_of(request: Request | None) -> str:
    """The request's id, as Stopwatch noted it."""
    noted = getattr(request.state, _ID, None) if request is not None else None
    return noted or new_request_id()


def status_response(
    request: Request | None,
    code: int,
    description: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    status = Status(
        code=code,
        text=HTTPStatus(code).phrase,
        error_description=description,
        request_id=request_id_of(request),
    )
    now = time.perf_counter()
    arrived: float = getattr(request.state, _ARRIVED, now) if request is not None else now
    statistics = {PROCESSING_TIME: time.perf_counter() - arrived}
    return JSONResponse(
        {"status": status.dump(), "statistics": statistics}, status_code=code, headers=headers
    )
