from __future__ import annotations

import sqlite3
import threading
from dataclasses import asdict
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from storage import (
    MIGRATIONS,
    Chats,
    JobOptions,
    Jobs,
    SharedDatabase,
    UsageLog,
    Users,
    UserSettings,
    open_database,
)
from storage.times import iso, window_start
from tests.storage_fixtures import NOW, source, usage_row

M001 = "m001_users_usage_jobs"
M002 = "m002_chats_batches_results"
M003 = "m003_every_job_in_a_batch"
M004 = "m004_backgrounds_and_crops"
M005 = "m005_languages"
ALL = [M001, M002, M003, M004, M005]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "bot.sqlite3"


def test_open_creates_the_folder_the_file_and_the_tables(db_path: Path) -> None:
    with open_database(db_path) as db:
        assert {"users", "usage", "jobs", "chats", "results", "sticker_sets"} <= set(
            db.table_names()
        )
    assert db_path.is_file()


def test_wal_foreign_keys_and_busy_timeout_are_on(db_path: Path) -> None:
    with open_database(db_path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 5000


def test_migrations_apply_once_and_reopening_is_idempotent(db_path: Path) -> None:
    with open_database(db_path) as db:
        Users(db).touch(1, "ada", now=NOW)
        first = [m.name for m in MIGRATIONS.applied(db)]
    with open_database(db_path) as db:
        assert [m.name for m in MIGRATIONS.applied(db)] == first == ALL
        assert MIGRATIONS.pending(db) == []
        assert db.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0] == len(ALL)
        assert db.execute("SELECT count(*) FROM users").fetchone()[0] == 1


@pytest.mark.parametrize(
    ("table", "index"),
    [
        ("usage", ["user_id", "created_at"]),
        ("usage", ["created_at"]),
        ("jobs", ["state"]),
        ("jobs", ["batch_id"]),
        ("jobs", ["user_id", "created_at"]),
        ("results", ["user_id", "created_at"]),
    ],
)
def test_the_indexes_exist(db_path: Path, table: str, index: list[str]) -> None:
    with open_database(db_path) as db:
        assert index in [i.columns for i in db.table(table).indexes]


def test_a_batch_is_found_through_its_index(db_path: Path) -> None:
    with open_database(db_path) as db:
        plan = db.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM jobs WHERE batch_id = ?"
            " ORDER BY source_message_id, rowid",
            ("album",),
        ).fetchall()
    assert any("jobs_batch" in row[-1] for row in plan)


def make_m001_database(path: Path) -> None:
    """A database file as the bot left it before m002: the m001 schema, with some rows."""
    with SharedDatabase(sqlite3.connect(path)) as db:
        MIGRATIONS.apply(db, stop_before=M002)
        Users(db).touch(1, "ada", now=NOW)
        db.execute("UPDATE users SET model = 'precise', ask_each_time = 0 WHERE user_id = 1")
        UsageLog(db).record(usage_row(job_id="old-job"))
        insert_job(db, "old-job")
        assert [m.name for m in MIGRATIONS.applied(db)] == [M001]


def insert_job(db: SharedDatabase, job_id: str, **columns: object) -> None:
    """A queued job's row, as the code of an older schema wrote it."""
    job = {**asdict(source()), "id": job_id, "model": "fast", "state": "queued", **columns}
    db.table("jobs").insert(
        {**job, "options": "{}", "created_at": iso(NOW), "updated_at": iso(NOW)}
    )


def test_m002_upgrades_a_database_made_by_m001_and_keeps_its_rows(db_path: Path) -> None:
    db_path.parent.mkdir()
    make_m001_database(db_path)
    with open_database(db_path) as db:
        assert [m.name for m in MIGRATIONS.applied(db)] == ALL
        assert Users(db).settings(1) == UserSettings(model="precise", ask_each_time=False)
        assert UsageLog(db).user_summary(42, now=NOW).today.jobs == 1
        old = Jobs(db).get("old-job")
        assert old is not None
        assert (old.state, old.model) == ("queued", "fast")
        assert [job.id for job in Jobs(db).unfinished()] == ["old-job"]
        assert {"chats", "results", "sticker_sets"} <= set(db.table_names())
        assert "batch_id" in db.table("jobs").columns_dict
        assert Chats(db).status(-100) is None
        album = Jobs(db).create([source(), source()], options=JobOptions(), now=NOW)
        assert Jobs(db).batch(album.id) == album


def test_m003_makes_a_lone_job_a_batch_under_its_own_id_for_buttons_already_sent(
    db_path: Path,
) -> None:
    db_path.parent.mkdir()
    with SharedDatabase(sqlite3.connect(db_path)) as db:
        MIGRATIONS.apply(db, stop_before=M003)
        insert_job(db, "lone-job")  # its buttons carry "lone-job"
        for n in (1, 2):  # an album's buttons carry its batch id
            insert_job(db, f"album-{n}", batch_id="b-album", source_message_id=n)
    with open_database(db_path) as db:
        jobs = Jobs(db)
        lone = jobs.batch("lone-job")
        assert lone is not None
        assert [(job.id, job.batch_id) for job in lone.jobs] == [("lone-job", "lone-job")]
        album = jobs.batch("b-album")
        assert album is not None
        assert [job.id for job in album.jobs] == ["album-1", "album-2"]
        assert jobs.change("lone-job", state="running", now=NOW).lead.attempts == 1


def test_a_memory_database_works_for_quick_tests() -> None:
    with open_database(":memory:") as db:
        assert isinstance(db, SharedDatabase)
        assert Users(db).touch(1, "ada", now=NOW)


def test_the_connection_can_be_used_from_another_thread(db_path: Path) -> None:
    errors: list[BaseException] = []
    with open_database(db_path) as db:
        users = Users(db)

        def touch() -> None:
            try:
                users.touch(1, "ada", now=NOW)
            except BaseException as exc:  # reported to the test thread below
                errors.append(exc)

        thread = threading.Thread(target=touch)
        thread.start()
        thread.join()
        assert errors == []
        assert not users.touch(1, "ada", now=NOW)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2025, 3, 14, 12, 30, 5, 999, tzinfo=UTC), "2025-03-14T12:30:05+00:00"),
        (
            datetime(2025, 3, 14, 23, 30, tzinfo=timezone(timedelta(hours=-2))),
            "2025-03-15T01:30:00+00:00",
        ),
    ],
)
def test_times_are_stored_as_utc_iso_strings(moment: datetime, expected: str) -> None:
    assert iso(moment) == expected


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        iso(datetime(2025, 3, 14, 12, 30))


@pytest.mark.parametrize(
    ("days", "expected"),
    [(1, datetime(2025, 3, 14, tzinfo=UTC)), (30, datetime(2025, 2, 13, tzinfo=UTC))],
)
def test_a_window_of_days_starts_at_midnight_utc(days: int, expected: datetime) -> None:
    assert window_start(NOW, days) == expected
