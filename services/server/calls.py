"""A call's body: its size known before it is read, read in time, parsed without recursion.

The call's own fields are checked here, as a whole; each record is checked on its own later
(`records.parse_record`), so that one mistyped record fails alone.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

from pydantic import Field, ValidationError
from pydantic_core import from_json
from starlette.requests import ClientDisconnect, Request

from ..contract.wire import OutputOptions
from .responses import CallError

MAX_DEPTH = 32  # JSON nesting a call may use; the contract itself needs 4


class CallBody(OutputOptions):
    """The call's options; its records stay raw JSON objects until each is checked."""

    records: list[dict[str, Any]] = Field(min_length=1)


def declared_size(request: Request, limit: int) -> int:
    """The body's size from Content-Length: known before a byte of it is read."""
    declared = request.headers.get("content-length")
    if declared is None:
        raise CallError(411, "send the body with a Content-Length header")
    if not declared.isdigit():
        raise CallError(400, "the Content-Length header is not a number")
    if int(declared) > limit:
        raise CallError(413, f"the request body is larger than {limit} bytes")
    return int(declared)


async def read_body(request: Request, size: int, *, grace: float, rate: float) -> bytearray:
    """The body, into one buffer of its declared `size` (HTTP framing holds it to that).

    It must keep coming at `rate` bytes a second, and may fall `grace` seconds behind.
    """
    body = bytearray(size)
    view = memoryview(body)
    at = 0
    started = asyncio.get_running_loop().time()
    try:
        async with asyncio.timeout(started + grace) as deadline:
            async for chunk in request.stream():
                view[at : at + len(chunk)] = chunk
                at += len(chunk)
                deadline.reschedule(started + grace + at / rate)
    except TimeoutError:
        raise CallError(408, f"the body arrived slower than {rate / 1024:g} KiB/s") from None
    except ClientDisconnect:
        raise CallError(400, "the client closed the connection before the body ended") from None
    finally:
        view.release()
    if at != size:
        raise CallError(400, "the body is shorter than its Content-Length")
    return body


def parse_call(body: bytearray, *, max_records: int) -> CallBody:
    """Parse and check the call as a whole; a 400 `CallError` says what is wrong."""
    try:
        data = from_json(body, allow_inf_nan=False)
    except ValueError as exc:
        raise CallError(400, f"the body is not valid JSON ({exc})") from None
    del body[:]  # the parsed copy is all that is needed from here on
    problem = _unfit(data)
    if problem:
        raise CallError(400, problem)
    try:
        call = CallBody.model_validate(data)
    except ValidationError as exc:
        raise CallError(400, describe(exc)) from None
    if len(call.records) > max_records:
        raise CallError(400, f"at most {max_records} records are accepted per call")
    return call


def describe(exc: ValidationError) -> str:
    """The first problem pydantic found, as `where: what`."""
    error = exc.errors(include_url=False)[0]
    where = ".".join(str(part) for part in error["loc"]) or "body"
    return f"{where}: {error['msg']}"


def _unfit(data: Any) -> str | None:
    """Why the JSON can't be answered (nested too deep, or a number JSON can't hold), if so."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                return f"the JSON is nested more than {MAX_DEPTH} levels deep"
            items = value.values() if isinstance(value, dict) else value
            stack.extend((item, depth + 1) for item in items)
        elif isinstance(value, float) and not math.isfinite(value):
            return "the JSON holds a number too large to represent"
    return None
