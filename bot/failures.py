"""Why a job failed, in words for the user and for the usage log."""

from __future__ import annotations

from telegram.error import BadRequest, Forbidden, TelegramError

from services.contract import (
    AuthError,
    ImageRejectedError,
    RateLimitedError,
    RemoveBgError,
    RequestRejectedError,
    ServiceTimeoutError,
)

from . import texts


class JobFailure(Exception):
    """A job that ended early: `message` is for the user, `reason` for the usage log."""

    def __init__(
        self, message: str, reason: str, *, tell_user: bool = True, retry: bool = False
    ) -> None:
        self.message = message
        self.reason = reason
        self.tell_user = tell_user
        self.retry = retry  # worth a "Try again" button: the image itself was fine
        super().__init__(reason)


def from_backend(exc: RemoveBgError) -> JobFailure:
    if isinstance(exc, ImageRejectedError | RequestRejectedError):
        if exc.status_code == 413:
            return JobFailure(texts.REJECTED.format(reason=exc.description), "too large")
        return JobFailure(texts.REJECTED.format(reason=exc.description), "rejected")
    if isinstance(exc, AuthError):
        return JobFailure(texts.BACKEND_MISCONFIGURED, "backend auth")
    if isinstance(exc, RateLimitedError):
        return JobFailure(texts.BACKEND_BUSY, "backend busy", retry=True)
    if isinstance(exc, ServiceTimeoutError):
        return JobFailure(texts.BACKEND_TIMEOUT, "backend timeout", retry=True)
    return JobFailure(texts.BACKEND_DOWN, f"backend down: {exc}", retry=True)


def from_telegram(exc: TelegramError) -> JobFailure:
    if isinstance(exc, Forbidden):
        return JobFailure("", f"telegram forbidden: {exc.message}", tell_user=False)
    if isinstance(exc, BadRequest) and "too big" in exc.message.lower():
        return JobFailure(texts.TOO_BIG, "too large")
    return JobFailure(
        texts.TELEGRAM_FAILED, f"telegram: {type(exc).__name__}: {exc.message}", retry=True
    )
