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
from .i18n import Words


class JobFailure(Exception):
    """A job that ended early: `message` (a text, filled with `values`) is for the user, in
    their language; `reason` is for the usage log."""

    def __init__(
        self,
        message: str,
        reason: str,
        *,
        tell_user: bool = True,
        retry: bool = False,
        values: dict[str, str] | None = None,
    ) -> None:
        self.message = message
        self.reason = reason
        self.tell_user = tell_user
        self.retry = retry  # worth a "Try again" button: the image itself was fine
        self.values = values or {}
        super().__init__(reason)

    def said(self, t: Words) -> str:
        return t(self.message, **self.values)


def from_backend(exc: RemoveBgError) -> JobFailure:
    if isinstance(exc, ImageRejectedError | RequestRejectedError):
        said = {"reason": exc.description}  # the service's words, as they are
        if exc.status_code == 413:
            return JobFailure(texts.REJECTED, "too large", values=said)
        return JobFailure(texts.REJECTED, "rejected", values=said)
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
