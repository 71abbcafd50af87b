"""Fair use: a daily quota of units (Precise costs more) and a per-minute rate limit."""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from storage import Jobs, Quota, QuotaExceededError

from . import texts
from .clock import utcnow

RATE_WINDOW = timedelta(minutes=1)


@dataclass(frozen=True)
class FairUse:
    daily_units: int  # 0: no quota
    costs: dict[str, int]
    per_minute: int  # 0: no rate limit
    admins: frozenset[int] = field(default_factory=frozenset)

    def quota(self, user_id: int) -> Quota | None:
        if self.daily_units <= 0 or user_id in self.admins:
            return None
        return Quota(self.daily_units, self.costs)


class SlowDownError(Exception):
    def __init__(self, wait: float) -> None:
        self.wait = wait
        super().__init__(f"rate limited for {wait:.0f} s")


async def check_rate(jobs: Jobs, fair: FairUse, user_id: int) -> None:
    """Raise SlowDownError when the user started `per_minute` jobs in the last minute."""
    if fair.per_minute <= 0 or user_id in fair.admins:
        return
    now = utcnow()
    times = await asyncio.to_thread(jobs.recent_job_times, user_id, since=now - RATE_WINDOW)
    if len(times) >= fair.per_minute:
        oldest = times[-fair.per_minute]
        raise SlowDownError(max(1.0, (oldest + RATE_WINDOW - now).total_seconds()))


def explain(exc: Exception, fair: FairUse, now: datetime | None = None) -> str:
    """The friendly message for a quota or rate-limit refusal, saying when to come back."""
    if isinstance(exc, SlowDownError):
        return texts.SLOW_DOWN.format(wait=_wait(exc.wait))
    assert isinstance(exc, QuotaExceededError)
    now = now or utcnow()
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), now.tzinfo)
    costs = fair.costs
    return texts.QUOTA_REACHED.format(
        limit=exc.limit,
        fast=costs.get("fast", 1),
        precise=costs.get("precise", 1),
        wait=_wait((midnight - now).total_seconds()),
    )


def _wait(seconds: float) -> str:
    seconds = math.ceil(seconds)
    if seconds < 90:
        return f"{seconds} seconds"
    minutes = math.ceil(seconds / 60)
    if minutes < 90:
        return f"{minutes} minutes"
    return f"{minutes // 60} h {minutes % 60:02d} min"
