"""Reading the service's answers: the parts of a result, or the error they amount to."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
from pydantic import ValidationError

from ..contract.errors import (
    AuthError,
    ImageRejectedError,
    MalformedAnswerError,
    RateLimitedError,
    RemoveBgError,
    RequestRejectedError,
    ServiceUnavailableError,
)
from ..contract.wire import OutputOptions, RecordAnswer, RemoveBgAnswer, Status
from .retry import parse_retry_after

# Text from the service, made safe to show: cut short, the token masked, None if blank.
Redact = Callable[[str | None], str | None]

_REJECTED = {
    404: "The background-removal service has no such endpoint; check its base URL.",
    413: "The image is too large for the background-removal service.",
}


def status_error(response: httpx.Response, redact: Redact) -> RemoveBgError:
    """Translate a failed call's HTTP status into the error tree."""
    code = response.status_code
    if code in (401, 403):
        return AuthError(code)
    if code == 429:
        return RateLimitedError(parse_retry_after(response.headers.get("Retry-After")))
    if 400 <= code < 500:
        description = redact(_error_description(response.content))
        fallback = f"The background-removal service refused the call (HTTP {code})."
        return RequestRejectedError(description or _REJECTED.get(code, fallback), code)
    if 300 <= code < 400:
        return ServiceUnavailableError(f"it redirected ({code}); check the base URL", code)
    return ServiceUnavailableError(f"it answered HTTP {code}", code)


def parse_answer(content: bytes) -> RemoveBgAnswer:
    """A successful call's body, which must follow the contract."""
    try:
        return RemoveBgAnswer.model_validate_json(content)
    except ValidationError as exc:
        raise MalformedAnswerError(_describe(exc)) from exc


def checked_record(answer: RemoveBgAnswer, redact: Redact) -> RecordAnswer:
    """The answer's one record, once it proved to be a success with all it must carry."""
    if not answer.records:
        if not answer.status.ok:
            raise _failed_status_error(answer.status, RequestRejectedError, redact)
        raise MalformedAnswerError("it holds no record")
    record = answer.records[0]
    if record.status is not None and not record.status.ok:
        raise _failed_status_error(record.status, ImageRejectedError, redact)
    return record


def size(record: RecordAnswer) -> tuple[int, int]:
    if record.width is None or record.height is None:
        raise MalformedAnswerError("the record has no _width or _height")
    return record.width, record.height


def output_urls(
    record: RecordAnswer, options: OutputOptions
) -> tuple[str, str | None, str | None]:
    """The URLs to fetch: the cut-out always, the mask and white version when asked."""
    if not record.output_url:
        raise MalformedAnswerError("the record has no _output_url")
    mask = _wanted(record.output_url_mask, options.binary_mask, "_output_url_mask")
    white = _wanted(record.output_url_whitebg, options.white_background, "_output_url_whitebg")
    return record.output_url, mask, white


def check_download(response: httpx.Response) -> None:
    """Raise unless a download's answer is a success; 404 and 410 mean it expired."""
    code = response.status_code
    if code in (404, 410):
        raise ServiceUnavailableError(
            "its result expired before we fetched it; send the image again", code
        )
    if not response.is_success:
        raise ServiceUnavailableError(f"fetching its result failed (HTTP {code})", code)


def _failed_status_error(
    status: Status, rejected: type[RequestRejectedError], redact: Redact
) -> RemoveBgError:
    """A 4XX `status` in the body is our fault (or the image's); anything else theirs."""
    text = redact(status.error_description or status.text) or f"code {status.code}"
    if 400 <= status.code < 500:
        return rejected(text, status.code)
    return ServiceUnavailableError(f"it failed on the image ({text})", status.code)


def _wanted(url: str | None, asked: bool, name: str) -> str | None:
    if asked and not url:
        raise MalformedAnswerError(f"the record has no {name}")
    return url if asked else None


def _error_description(content: bytes) -> str | None:
    """`status.error_description` of an error body, if it is the contract's JSON."""
    try:
        data = json.loads(content)
    except ValueError:
        return None
    status = data.get("status") if isinstance(data, dict) else None
    description = status.get("error_description") if isinstance(status, dict) else None
    return description if isinstance(description, str) else None


def _describe(exc: ValidationError) -> str:
    """Where the answer broke the contract, without echoing its content."""
    error = exc.errors(include_input=False, include_url=False)[0]
    where = ".".join(str(part) for part in error["loc"])
    return f"{where}: {error['msg']}" if where else error["msg"]
