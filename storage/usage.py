"""The usage log: one row per finished job, for /usage and the admins' /stats."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlite_utils

from .database import SharedDatabase
from .quota import units_used
from .times import iso, window_start
from .users import JobOptions

STATUSES = ("ok", "error")
GROUP_CHAT_TYPES = ("group", "supergroup")
_COLUMNS = (
    "created_at",
    "user_id",
    "username",
    "chat_id",
    "chat_type",
    "model",
    "options",
    "input_bytes",
    "width",
    "height",
    "outputs",
    "processing_s",
    "total_s",
    "status",
    "error",
    "job_id",
)


@dataclass(frozen=True, kw_only=True)
class UsageRow:
    """One finished job. `error` is set exactly when `status` is 'error'."""

    created_at: datetime
    user_id: int
    username: str | None
    chat_id: int
    chat_type: str
    model: str
    input_bytes: int
    total_s: float
    status: str = "ok"
    options: JobOptions = JobOptions()
    width: int | None = None
    height: int | None = None
    outputs: Sequence[str] = ()
    processing_s: float | None = None
    error: str | None = None
    job_id: str | None = None

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}; expected one of {STATUSES}")
        if (self.status == "error") != (self.error is not None):
            raise ValueError("error must be given exactly when status is 'error'")


@dataclass(frozen=True)
class UsageCounts:
    """Jobs in a period (errors included), per model, and how many of them failed."""

    jobs: int
    errors: int
    by_model: Mapping[str, int]


@dataclass(frozen=True)
class UserUsage:
    """A user's usage today (UTC) and over the last 30 UTC days, today included."""

    today: UsageCounts
    last_30_days: UsageCounts


@dataclass(frozen=True)
class DayModelCount:
    day: date
    model: str
    jobs: int
    errors: int


@dataclass(frozen=True)
class TopUser:
    user_id: int
    username: str | None
    jobs: int


@dataclass(frozen=True)
class Stats:
    """Everything since `since` (midnight UTC, `days` days ago counting today).

    The percentiles are nearest-rank, over the total times of the jobs that went well;
    None when there were none. `group_jobs` are the jobs (errors included) made in groups and
    supergroups, and `group_share` their fraction of `jobs` (0.0 without jobs).
    """

    since: datetime
    jobs: int
    errors: int
    error_rate: float
    p50_total_s: float | None
    p95_total_s: float | None
    per_day_model: tuple[DayModelCount, ...]
    top_users: tuple[TopUser, ...]
    group_jobs: int
    group_share: float


def insert_usage(db: sqlite_utils.Database, row: UsageRow) -> int:
    """Insert `row` and return its id. The caller holds the database lock."""
    values: dict[str, Any] = {name: getattr(row, name) for name in _COLUMNS}
    values["created_at"] = iso(row.created_at)
    values["options"] = row.options.to_json()
    values["outputs"] = json.dumps(list(row.outputs))
    cursor = db.execute(
        f"INSERT INTO usage ({', '.join(_COLUMNS)})"
        f" VALUES ({', '.join(':' + name for name in _COLUMNS)})",
        values,
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


class UsageLog:
    """The `usage` table. Every method is safe to call from any thread."""

    def __init__(self, db: SharedDatabase) -> None:
        self._db = db

    def record(self, row: UsageRow) -> int:
        """Log a finished job that has no `jobs` row (else use `Jobs.finish`); returns its id."""
        with self._db.lock:
            return insert_usage(self._db, row)

    def user_summary(self, user_id: int, *, now: datetime) -> UserUsage:
        """The user's jobs today and over the last 30 days, by model."""
        with self._db.lock:
            return UserUsage(
                today=self._counts(user_id, window_start(now, 1), now),
                last_30_days=self._counts(user_id, window_start(now, 30), now),
            )

    def stats(self, *, now: datetime, days: int = 30, top: int = 5) -> Stats:
        """Figures for the admins over the last `days` UTC days, today included."""
        since = window_start(now, days)
        window = (iso(since), iso(now))
        with self._db.lock:
            jobs, errors, group_jobs = self._db.execute(
                "SELECT count(*), coalesce(sum(status = 'error'), 0),"
                " coalesce(sum(chat_type IN (?, ?)), 0) FROM usage"
                " WHERE created_at BETWEEN ? AND ?",
                (*GROUP_CHAT_TYPES, *window),
            ).fetchone()
            return Stats(
                since=since,
                jobs=jobs,
                errors=errors,
                error_rate=errors / jobs if jobs else 0.0,
                p50_total_s=self._percentile(window, 50, jobs - errors),
                p95_total_s=self._percentile(window, 95, jobs - errors),
                per_day_model=self._per_day_model(window),
                top_users=self._top_users(window, top),
                group_jobs=group_jobs,
                group_share=group_jobs / jobs if jobs else 0.0,
            )

    def units_used(self, user_id: int, *, now: datetime, costs: Mapping[str, int]) -> int:
        """Units of the user's jobs that went well today (UTC), each costing `costs[model]`
        (1 for a model not in `costs`). Add `Jobs.units_pending` for the jobs still to come."""
        with self._db.lock:
            return units_used(self._db, user_id, now=now, costs=costs)

    def _counts(self, user_id: int, since: datetime, now: datetime) -> UsageCounts:
        rows = self._db.execute(
            "SELECT model, count(*), sum(status = 'error') FROM usage"
            " WHERE user_id = ? AND created_at BETWEEN ? AND ? GROUP BY model ORDER BY model",
            (user_id, iso(since), iso(now)),
        ).fetchall()
        return UsageCounts(
            jobs=sum(row[1] for row in rows),
            errors=sum(row[2] for row in rows),
            by_model={model: count for model, count, _ in rows},
        )

    def _percentile(self, window: tuple[str, str], percent: int, ok_jobs: int) -> float | None:
        if ok_jobs == 0:
            return None
        rank = max(1, -(-percent * ok_jobs // 100))  # nearest rank: ceil(p * n / 100)
        row = self._db.execute(
            "SELECT total_s FROM usage WHERE status = 'ok' AND created_at BETWEEN ? AND ?"
            " ORDER BY total_s LIMIT 1 OFFSET ?",
            (*window, rank - 1),
        ).fetchone()
        return float(row[0])

    def _per_day_model(self, window: tuple[str, str]) -> tuple[DayModelCount, ...]:
        rows = self._db.execute(
            "SELECT substr(created_at, 1, 10) AS day, model, count(*), sum(status = 'error')"
            " FROM usage WHERE created_at BETWEEN ? AND ? GROUP BY day, model ORDER BY day, model",
            window,
        ).fetchall()
        return tuple(
            DayModelCount(date.fromisoformat(day), model, jobs, errors)
            for day, model, jobs, errors in rows
        )

    def _top_users(self, window: tuple[str, str], top: int) -> tuple[TopUser, ...]:
        # With a single max() aggregate, SQLite takes the bare `username` from the row holding
        # the maximum: the name the user had on their latest job.
        rows = self._db.execute(
            "SELECT user_id, username, count(*) AS jobs, max(created_at) FROM usage"
            " WHERE created_at BETWEEN ? AND ? GROUP BY user_id"
            " ORDER BY jobs DESC, user_id LIMIT ?",
            (*window, top),
        ).fetchall()
        return tuple(TopUser(user_id, username, jobs) for user_id, username, jobs, _ in rows)
