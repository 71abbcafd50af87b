"""The contract's error answers: a `status` object with the HTTP code repeated inside."""

from __future__ import annotations

from http import HTTPStatus

from starlette.responses import JSONResponse

from ..removebg.wire import Status


class CallError(Exception):
    """A call refused as a whole; becomes a JSON answer with `status.error_description`."""

    def __init__(self, code: int, description: str, headers: dict[str, str] | None = None):
        self.code = code
        self.description = description
        self.headers = headers or {}
        super().__init__(description)


def status_response(
    code: int, description: str | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    status = Status(code=code, text=HTTPStatus(code).phrase, error_description=description)
    return JSONResponse({"status": status.dump()}, status_code=code, headers=headers)
