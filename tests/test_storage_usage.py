from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from storage import (
    DayModelCount,
    JobOptions,
    Jobs,
    SharedDatabase,
    TopUser,
    UsageCounts,
    UsageLog,
    UserSettings,
    UserUsage,
)
from tests.storage_fixtures import NOW, failed_row, source, usage_row


@pytest.fixture
def log(db: SharedDatabase) -> UsageLog:
    return UsageLog(db)


def test_a_record_keeps_every_column(log: UsageLog, db: SharedDatabase) -> None:
    row_id = log.record(usage_row(outputs=("cutout", "mask"), job_id="abc"))
    stored = next(db.query("SELECT * FROM usage WHERE id = ?", (row_id,)))
    assert stored == {
        "id": row_id,
        "created_at": "2025-03-14T12:30:00+00:00",
        "user_id": 42,
        "username": "ada",
        "chat_id": 42,
        "chat_type": "private",
        "model": "fast",
        "options": (
            '{"background": "", "background_photo": null, "binary_mask": true, "crop": "",'
            ' "image_format": "webp", "image_quality": 85, "language": "en", "recompose": false,'
            ' "sticker": false, "white_background": false}'
        ),
        "input_bytes": 123_456,
        "width": 640,
        "height": 480,
        "outputs": '["cutout", "mask"]',
        "processing_s": 0.8,
        "total_s": 1.5,
        "status": "ok",
        "error": None,
        "job_id": "abc",
    }
    assert json.loads(stored["outputs"]) == ["cutout", "mask"]


def test_record_ids_increase(log: UsageLog) -> None:
    first, second = log.record(usage_row()), log.record(failed_row())
    assert second > first


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"status": "maybe"}, "unknown status"),
        ({"status": "error"}, "exactly when"),
        ({"error": "oops"}, "exactly when"),
    ],
)
def test_invalid_usage_rows_are_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        usage_row(**changes)


def test_an_unknown_user_has_no_usage(log: UsageLog) -> None:
    empty = UsageCounts(jobs=0, errors=0, by_model={})
    assert log.user_summary(42, now=NOW) == UserUsage(today=empty, last_30_days=empty)


def test_user_summary_counts_today_and_the_last_30_days_by_model(log: UsageLog) -> None:
    midnight = datetime(2025, 3, 14, tzinfo=UTC)
    for when, model, failed in [
        (midnight, "fast", False),  # today, first second
        (NOW - timedelta(minutes=1), "precise", False),
        (NOW - timedelta(minutes=2), "fast", True),
        (midnight - timedelta(seconds=1), "fast", False),  # yesterday
        (midnight - timedelta(days=29), "precise", False),  # first day of the 30
        (midnight - timedelta(days=29, seconds=1), "fast", False),  # 31 days ago: out
        (NOW + timedelta(minutes=1), "fast", False),  # not yet
    ]:
        log.record((failed_row if failed else usage_row)(created_at=when, model=model))
    log.record(usage_row(user_id=7))
    summary = log.user_summary(42, now=NOW)
    assert summary.today == UsageCounts(jobs=3, errors=1, by_model={"fast": 2, "precise": 1})
    assert summary.last_30_days == UsageCounts(
        jobs=5, errors=1, by_model={"fast": 3, "precise": 2}
    )


def test_stats_without_jobs(log: UsageLog) -> None:
    stats = log.stats(now=NOW)
    assert (stats.jobs, stats.errors, stats.error_rate) == (0, 0, 0.0)
    assert (stats.p50_total_s, stats.p95_total_s) == (None, None)
    assert stats.per_day_model == stats.top_users == ()
    assert stats.since == datetime(2025, 2, 13, tzinfo=UTC)


def test_stats_count_per_day_and_model(log: UsageLog) -> None:
    yesterday = NOW - timedelta(days=1)
    for when, model, failed in [
        (NOW, "fast", False),
        (NOW, "fast", True),
        (NOW, "precise", False),
        (yesterday, "precise", False),
        (yesterday, "precise", False),
        (NOW - timedelta(days=30), "fast", False),  # before the window
    ]:
        log.record((failed_row if failed else usage_row)(created_at=when, model=model))
    stats = log.stats(now=NOW)
    assert stats.per_day_model == (
        DayModelCount(date(2025, 3, 13), "precise", jobs=2, errors=0),
        DayModelCount(date(2025, 3, 14), "fast", jobs=2, errors=1),
        DayModelCount(date(2025, 3, 14), "precise", jobs=1, errors=0),
    )
    assert (stats.jobs, stats.errors, stats.error_rate) == (5, 1, 0.2)


def test_stats_window_follows_days(log: UsageLog) -> None:
    log.record(usage_row(created_at=NOW - timedelta(days=1)))
    log.record(usage_row())
    assert log.stats(now=NOW, days=1).jobs == 1
    assert log.stats(now=NOW, days=2).jobs == 2


@pytest.mark.parametrize(
    ("times", "p50", "p95"),
    [
        ([float(n) for n in range(20, 0, -1)], 10.0, 19.0),
        ([3.0], 3.0, 3.0),
        ([1.0, 2.0], 1.0, 2.0),
        ([float(n) for n in range(1, 101)], 50.0, 95.0),
    ],
)
def test_stats_percentiles_of_total_time_over_ok_jobs(
    log: UsageLog, times: list[float], p50: float, p95: float
) -> None:
    for total_s in times:
        log.record(usage_row(total_s=total_s))
    log.record(failed_row(total_s=500.0))
    log.record(usage_row(total_s=900.0, created_at=NOW - timedelta(days=40)))
    stats = log.stats(now=NOW)
    assert (stats.p50_total_s, stats.p95_total_s) == (p50, p95)


def test_stats_top_users_by_jobs_with_their_latest_name(log: UsageLog) -> None:
    for user_id, username, count in [(1, "ann", 2), (2, "bob", 5), (3, "cy", 3), (4, "di", 3)]:
        for n in range(count):
            log.record(
                usage_row(user_id=user_id, username=username, created_at=NOW - timedelta(days=n))
            )
    log.record(usage_row(user_id=2, username="old_bob", created_at=NOW - timedelta(days=9)))
    stats = log.stats(now=NOW, top=3)
    assert stats.top_users == (
        TopUser(2, "bob", 6),
        TopUser(3, "cy", 3),
        TopUser(4, "di", 3),
    )


def test_recording_from_many_threads_at_once(db: SharedDatabase) -> None:
    log, jobs = UsageLog(db), Jobs(db)

    def work(n: int) -> int:
        options = UserSettings().job_options()
        batch = jobs.create([source(user_id=n % 4)], options=options, now=NOW)
        jobs.change(batch.id, state="running", now=NOW, model="fast")
        jobs.finish(batch.lead.id, usage_row(user_id=n % 4), now=NOW)
        log.user_summary(n % 4, now=NOW)
        return log.record(usage_row(user_id=n % 4))

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(work, range(200)))
    assert len(set(ids)) == 200
    assert log.stats(now=NOW).jobs == 400
    assert log.user_summary(0, now=NOW).today.jobs == 100
    assert jobs.unfinished() == []


def test_units_used_count_todays_good_jobs_at_their_cost(log: UsageLog) -> None:
    midnight = datetime(2025, 3, 14, tzinfo=UTC)
    costs = {"fast": 1, "precise": 4}
    assert log.units_used(42, now=NOW, costs=costs) == 0
    log.record(usage_row(created_at=midnight, model="precise"))
    log.record(usage_row(model="fast"))
    log.record(usage_row(model="fast"))
    log.record(usage_row(model="retired"))  # not in costs: 1
    log.record(failed_row(model="precise"))  # failed: free
    log.record(usage_row(created_at=midnight - timedelta(seconds=1), model="precise"))
    log.record(usage_row(created_at=NOW + timedelta(minutes=1), model="precise"))
    log.record(usage_row(user_id=7, model="precise"))
    assert log.units_used(42, now=NOW, costs=costs) == 7
    assert log.units_used(42, now=NOW, costs={}) == 4


@pytest.mark.parametrize(
    ("chat_types", "group_jobs", "share"),
    [
        ((), 0, 0.0),
        (("private", "private"), 0, 0.0),
        (("group", "supergroup", "private", "channel"), 2, 0.5),
        (("supergroup",), 1, 1.0),
    ],
)
def test_stats_share_of_jobs_made_in_groups(
    log: UsageLog, chat_types: tuple[str, ...], group_jobs: int, share: float
) -> None:
    for chat_type in chat_types:
        log.record(usage_row(chat_type=chat_type))
    log.record(usage_row(chat_type="group", created_at=NOW - timedelta(days=40)))
    stats = log.stats(now=NOW)
    assert (stats.jobs, stats.group_jobs) == (len(chat_types), group_jobs)
    assert stats.group_share == share


def test_stats_group_jobs_count_errors_too(log: UsageLog) -> None:
    log.record(failed_row(chat_type="group"))
    log.record(usage_row(chat_type="private"))
    log.record(usage_row(chat_type="private"))
    log.record(usage_row(chat_type="private"))
    stats = log.stats(now=NOW)
    assert (stats.group_jobs, stats.group_share, stats.errors) == (1, 0.25, 1)


def test_a_record_says_which_background_and_crop_were_used(
    log: UsageLog, db: SharedDatabase
) -> None:
    options = JobOptions(background="#E53935", crop="square")
    row_id = log.record(usage_row(options=options))
    stored = next(db.query("SELECT options FROM usage WHERE id = ?", (row_id,)))
    assert json.loads(stored["options"])["background"] == "#E53935"
    assert json.loads(stored["options"])["crop"] == "square"
