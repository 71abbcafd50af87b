from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from storage import MIGRATIONS, SharedDatabase, Users, open_database
from storage.times import iso, window_start
from tests.storage_fixtures import NOW


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "bot.sqlite3"


def test_open_creates_the_folder_the_file_and_the_tables(db_path: Path) -> None:
    with open_database(db_path) as db:
        assert {"users", "usage", "jobs"} <= set(db.table_names())
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
        assert [m.name for m in MIGRATIONS.applied(db)] == first == ["m001_users_usage_jobs"]
        assert MIGRATIONS.pending(db) == []
        assert db.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0] == 1
        assert db.execute("SELECT count(*) FROM users").fetchone()[0] == 1


@pytest.mark.parametrize(
    ("table", "index"),
    [
        ("usage", ["user_id", "created_at"]),
        ("usage", ["created_at"]),
        ("jobs", ["state"]),
    ],
)
def test_the_indexes_exist(db_path: Path, table: str, index: list[str]) -> None:
    with open_database(db_path) as db:
        assert index in [i.columns for i in db.table(table).indexes]


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
