from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.fairuse import FairUse, RateLimiter, SlowDownError, explain
from storage import QuotaExceededError


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_limiter_counts_a_sliding_minute_per_user() -> None:
    clock = Clock()
    limiter = RateLimiter(2, clock)
    limiter.hit(1)
    clock.now += 10
    limiter.hit(1)
    limiter.hit(2)  # someone else
    with pytest.raises(SlowDownError) as caught:
        limiter.hit(1)
    assert caught.value.wait == pytest.approx(50)
    clock.now += 50
    limiter.hit(1)


def test_no_limit_and_no_quota_when_set_to_zero() -> None:
    fair = FairUse(0, {"fast": 1}, 0)
    for _ in range(100):
        fair.limiter.hit(7)
    assert fair.quota(7) is None
    assert FairUse(10, {"fast": 1}, 5, frozenset({7})).quota(7) is None  # an admin


def test_explanations_say_when_to_come_back() -> None:
    fair = FairUse(10, {"fast": 1, "precise": 4}, 5)
    evening = datetime(2026, 11, 25, 22, 30, tzinfo=UTC)
    quota = QuotaExceededError(user_id=1, used=9, needed=4, limit=10)
    text = explain(quota, fair, evening)
    assert "today's 10 units" in text
    assert "Precise 4" in text
    assert "1 h 30 min" in text
    assert "42 seconds" in explain(SlowDownError(41.2), fair)
