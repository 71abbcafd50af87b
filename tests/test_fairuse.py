from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.fairuse import FairUse, RateLimiter, SlowDownError, explain
from bot.i18n import words
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
    text = explain(words("en"), quota, fair, evening)
    assert "today's 10 units" in text
    assert "Precise 4" in text
    assert "continue in 2 hours, at midnight UTC" in text
    assert "in 42 seconds" in explain(words("en"), SlowDownError(41.2), fair)
    assert "in 3 minutes" in explain(words("en"), SlowDownError(150), fair)


def test_explanations_are_in_the_reader_language_with_its_grammar() -> None:
    fair = FairUse(10, {"fast": 1, "precise": 4}, 5)
    evening = datetime(2026, 11, 25, 22, 30, tzinfo=UTC)
    quota = QuotaExceededError(user_id=1, used=9, needed=4, limit=21)
    russian = explain(words("ru"), quota, fair, evening)
    assert "через 2 часа" in russian
    assert "21" in russian
    assert "units" not in russian
    assert "через 2 минуты" in explain(words("ru"), SlowDownError(100), fair)
    assert "dans 42 secondes" in explain(words("fr"), SlowDownError(41.2), fair)
