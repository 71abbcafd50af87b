"""The contract's error answers: a `status` object with the HTTP code repeated inside.

Like a success answer, each carries `status.request_id` and `statistics["processing time"]`,
timed from when `Stopwatch` saw the request arrive.
"""

from __future__ import annotations

import time
import uuid
from http import HTTPStatus

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from ..removebg.wire import PROCESSING_TIME, Status

_ARRIVED = "arrived"


class CallError(Exception):
    """A call refused as a whole; becomes a JSON answer with `status.error_description`."""

    def __init__(self, code: int, description: str, headers: dict[str, str] | None = None):
        self.code = code
        self.description = description
        self.headers = headers or {}
        super().__init__(description)


class Stopwatch:
    """ASGI middleware: notes in `request.state` when each request arrived."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope.setdefault("state", {})[_ARRIVED] = time.perf_counter()
        await self.app(scope, receive, send)


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
        request_id=str(uuid.uuid4()),
    )
    now = time.perf_counter()
    arrived: float = getattr(request.state, _ARRIVED, now) if request is not None else now
    statistics = {PROCESSING_TIME: time.perf_counter() - arrived}
    return JSONResponse(
        {"status": status.dump(), "statistics": statistics}, status_code=code, headers=headers
    )
