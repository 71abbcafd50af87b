"""Fair use: a daily quota of units (Precise costs more) and a per-minute rate limit."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from services.contract.wire import MODELS
from storage import Quota, QuotaExceededError

from . import texts
from .clock import utcnow
from .i18n import Words

RATE_WINDOW = timedelta(minutes=1)


@dataclass(frozen=True)
class FairUse:
    daily_units: int  # 0: no quota
    costs: dict[str, int]
    per_minute: int  # 0: no rate limit
    admins: frozenset[int] = field(default_factory=frozenset)
    limiter: RateLimiter = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "limiter", RateLimiter(self.per_minute))

    def quota(self, user_id: int) -> Quota | None:
        if self.daily_units <= 0 or user_id in self.admins:
            return None
        return Quota(self.daily_units, self.costs)

    def prices(self) -> dict[str, int]:
        """Each model's cost by its name, as the texts that quote them ask (`{fast}`)."""
        return {model: self.costs.get(model, 1) for model in MODELS}


class SlowDownError(Exception):
    def __init__(self, wait: float) -> None:
        self.wait = wait
        super().__init__(f"rate limited for {wait:.0f} s")


class RateLimiter:
    """A sliding minute per user, in memory: the check and the count happen in one step on
    the event loop, so a burst of concurrent updates can't all slip through."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._hits: dict[int, deque[float]] = {}

    def hit(self, user_id: int) -> None:
        """Count one job for the user, or raise SlowDownError saying how long to wait."""
        if self.per_minute <= 0:
            return
        now = self._clock()
        hits = self._hits.setdefault(user_id, deque())
        while hits and hits[0] <= now - RATE_WINDOW.total_seconds():
            hits.popleft()
        if len(hits) >= self.per_minute:
            raise SlowDownError(max(1.0, hits[0] + RATE_WINDOW.total_seconds() - now))
        hits.append(now)


def check_rate(fair: FairUse, user_id: int) -> None:
    """Raise SlowDownError when the user started `per_minute` jobs in the last minute."""
    if user_id not in fair.admins:
        fair.limiter.hit(user_id)


def explain(t: Words, exc: Exception, fair: FairUse, now: datetime | None = None) -> str:
    """The friendly message for a quota or rate-limit refusal, saying when to come back."""
    if isinstance(exc, SlowDownError):
        return t(texts.SLOW_DOWN, when=t.within(exc.wait))
    assert isinstance(exc, QuotaExceededError)
    now = now or utcnow()
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), now.tzinfo)
    return t(
        texts.QUOTA_REACHED,
        units=t(texts.UNITS, count=exc.limit),
        when=t.within((midnight - now).total_seconds()),
        **fair.prices(),
    )
