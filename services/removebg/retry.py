"""When to call the service again, and how long to wait first."""

from __future__ import annotations

import math
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

Sleep = Callable[[float], Awaitable[None]]

# Answers and failures that say "not now" rather than "no".
RETRY_STATUSES = frozenset({429, 502, 503, 504})
# A call may be sent again whatever became of it: at worst the service cuts it out twice. So
# a connection that dropped (a replica killed mid-call behind a balancer) is tried again too;
# a timeout is not, since sending more to a slow service makes it slower.
RETRY_ERRORS = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.RemoteProtocolError,
    httpx.ReadError,
    httpx.WriteError,
)


@dataclass(frozen=True)
class RetryPolicy:
    """Capped exponential backoff with full jitter; a `Retry-After` from the service wins."""

    retries: int = 3
    backoff: float = 0.5
    max_backoff: float = 8.0
    max_retry_after: float = 30.0

    def __post_init__(self) -> None:
        if self.retries < 0:
            raise ValueError("retries must be 0 or more")
        if min(self.backoff, self.max_backoff, self.max_retry_after) < 0:
            raise ValueError("backoff, max_backoff and max_retry_after must be 0 or more")

    def delay(self, attempt: int, retry_after: float | None = None) -> float | None:
        """Seconds to wait after the failed `attempt` (0-based), or None to give up."""
        if attempt >= self.retries:
            return None
        if retry_after is None:
            return random.uniform(0, min(self.max_backoff, self.backoff * 2**attempt))
        return retry_after if retry_after <= self.max_retry_after else None


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Read a `Retry-After` header, given in seconds or as an HTTP-date; None if unreadable."""
    if not value or not value.strip():
        return None
    try:
        seconds = float(value)
    except ValueError:
        return _seconds_until(value, now or datetime.now(UTC))
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _seconds_until(date: str, now: datetime) -> float | None:
    try:
        when = parsedate_to_datetime(date)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())
