"""UTC ISO-8601 timestamps, as stored in every table."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta


def iso(moment: datetime) -> str:
    """`moment` as a UTC ISO string with seconds, e.g. '2025-01-31T12:00:00+00:00'."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: pass an aware one, e.g. datetime.now(UTC)")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def parse(text: str) -> datetime:
    """The aware datetime a stored timestamp stands for."""
    return datetime.fromisoformat(text)


def window_start(now: datetime, days: int) -> datetime:
    """Midnight UTC opening a window of `days` calendar days that ends today (days=1: today)."""
    if days < 1:
        raise ValueError(f"days must be at least 1, not {days}")
    today = now.astimezone(UTC).date()
    return datetime.combine(today - timedelta(days=days - 1), time(), tzinfo=UTC)
