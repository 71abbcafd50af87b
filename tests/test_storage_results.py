from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from storage import Result, Results, SharedDatabase, open_database
from tests.storage_fixtures import NOW


@pytest.fixture
def results(db: SharedDatabase) -> Results:
    return Results(db)


def sent(
    results: Results, unique: str, *, kind: str = "cutout", minutes: int = 0, user_id: int = 42
) -> Result:
    """A file `unique` sent to the user `minutes` after NOW."""
    return results.add(
        "job1",
        user_id,
        -100,
        kind,
        f"file-{unique}-{minutes}",
        unique,
        f"{unique}.png",
        now=NOW + timedelta(minutes=minutes),
    )


def test_a_result_keeps_what_was_sent(results: Results, db: SharedDatabase) -> None:
    result = results.add("job1", 42, -100, "sticker", "CAACAgI", "AgADx", None, now=NOW)
    assert result == Result(result.id, "job1", 42, -100, "sticker", "CAACAgI", "AgADx", None, NOW)
    assert next(db.query("SELECT * FROM results")) == {
        "id": result.id,
        "job_id": "job1",
        "user_id": 42,
        "chat_id": -100,
        "kind": "sticker",
        "file_id": "CAACAgI",
        "file_unique_id": "AgADx",
        "file_name": None,
        "created_at": "2025-03-14T12:30:00+00:00",
    }


def test_results_survive_a_restart(db_path: Path) -> None:
    with open_database(db_path) as db:
        added = sent(Results(db), "a")
    with open_database(db_path) as db:
        assert Results(db).recent(42) == [added]


def test_recent_is_newest_first_with_each_file_once(results: Results) -> None:
    sent(results, "a", minutes=1)
    b = sent(results, "b", minutes=2)
    a_again = sent(results, "a", minutes=3)  # the same file sent again, with a new file_id
    c = sent(results, "c", kind="sticker", minutes=0)
    assert results.recent(42) == [a_again, b, c]


def test_recent_keeps_to_the_kinds_asked(results: Results) -> None:
    cutout = sent(results, "a")
    mask = sent(results, "m", kind="mask", minutes=1)
    white = sent(results, "w", kind="white", minutes=2)
    sticker = sent(results, "s", kind="sticker", minutes=3)
    assert results.recent(42) == [sticker, cutout]
    assert results.recent(42, kinds=("mask", "white")) == [white, mask]
    assert results.recent(42, kinds=()) == []


def test_recent_keeps_to_the_user_and_the_limit(results: Results) -> None:
    mine = [sent(results, str(n), minutes=n) for n in range(5)]
    sent(results, "x", user_id=7, minutes=9)
    assert results.recent(42, limit=3) == mine[:1:-1]
    assert results.recent(42, limit=0) == []
    assert results.recent(404) == []


def test_a_file_is_listed_once_even_when_sent_as_two_kinds(results: Results) -> None:
    sent(results, "a", kind="cutout", minutes=0)
    sticker = sent(results, "a", kind="sticker", minutes=1)
    assert results.recent(42) == [sticker]


@pytest.mark.parametrize("kind", ["photo", "Cutout", ""])
def test_an_unknown_kind_is_refused(results: Results, kind: str) -> None:
    with pytest.raises(ValueError, match="unknown result kinds"):
        results.add("job1", 42, 42, kind, "f", "u", None, now=NOW)
    with pytest.raises(ValueError, match="unknown result kinds"):
        results.recent(42, kinds=("cutout", kind))


def test_prune_deletes_old_results(results: Results) -> None:
    sent(results, "old", minutes=-60 * 24 * 40)
    recent = sent(results, "new")
    assert results.prune(older_than=NOW - timedelta(days=30)) == 1
    assert results.recent(42) == [recent]
