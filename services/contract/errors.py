"""The errors of a Remove Background backend; each carries a message a user can read.

RemoveBgError
├── AuthError                  the token was refused (401, 403)
├── RateLimitedError           quota or rate limit (429); keeps `retry_after`
├── RequestRejectedError       the call itself was refused (another 4XX)
│   └── ImageRejectedError     one image was refused (a record's 4XX)
├── ServiceUnavailableError    5XX, connection failures, a malformed answer
│   ├── ServiceTimeoutError    no answer in time
│   └── MalformedAnswerError   the answer does not follow the contract
"""

from __future__ import annotations


class RemoveBgError(Exception):
    """Base class; `str(error)` is fit to show a user."""


class AuthError(RemoveBgError):
    def __init__(self, status_code: int = 401) -> None:
        self.status_code = status_code
        super().__init__("The background-removal service refused our API token.")


class RateLimitedError(RemoveBgError):
    def __init__(self, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        wait = f" Try again in {_seconds(retry_after)}." if retry_after else " Try again soon."
        super().__init__("The background-removal service is busy or over quota." + wait)


class RequestRejectedError(RemoveBgError):
    def __init__(self, description: str, status_code: int = 400) -> None:
        self.description = description
        self.status_code = status_code
        super().__init__(description)


class ImageRejectedError(RequestRejectedError):
    """A record's own 4XX: the image is at fault, not the call."""


class ServiceUnavailableError(RemoveBgError):
    def __init__(self, detail: str = "it is unavailable", status_code: int | None = None) -> None:
        self.status_code = status_code
        super().__init__(f"The background-removal service can't help right now: {detail}.")


class ServiceTimeoutError(ServiceUnavailableError):
    def __init__(self) -> None:
        super().__init__("it took too long to answer")


class MalformedAnswerError(ServiceUnavailableError):
    def __init__(self, detail: str) -> None:
        super().__init__(f"its answer was malformed ({detail})")


def _seconds(value: float) -> str:
    whole = max(1, round(value))
    return f"{whole} second" + ("" if whole == 1 else "s")
