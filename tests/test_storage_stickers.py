from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from storage import SharedDatabase, StickerSet, StickerSetNotFoundError, StickerSets, open_database
from tests.storage_fixtures import NOW

LATER = NOW + timedelta(hours=1)
NAME = "cutouts_42_by_cutout_bot"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SharedDatabase]:
    with open_database(tmp_path / "bot.sqlite3") as db:
        yield db


@pytest.fixture
def sets(db: SharedDatabase) -> StickerSets:
    return StickerSets(db)


def test_a_user_has_no_set_at_first(sets: StickerSets) -> None:
    assert sets.get(42) is None


def test_a_new_set_has_its_first_sticker(sets: StickerSets) -> None:
    made = sets.created(42, NAME, now=NOW)
    assert made == StickerSet(42, NAME, count=1, created_at=NOW, updated_at=NOW)
    assert sets.get(42) == made


def test_added_counts_stickers(sets: StickerSets) -> None:
    sets.created(42, NAME, now=NOW)
    sets.added(42, now=NOW)
    third = sets.added(42, now=LATER)
    assert (third.count, third.created_at, third.updated_at) == (3, NOW, LATER)


def test_adding_needs_a_set(sets: StickerSets) -> None:
    with pytest.raises(StickerSetNotFoundError):
        sets.added(42, now=NOW)
    assert sets.get(42) is None


def test_a_new_set_replaces_the_old_one(sets: StickerSets) -> None:
    sets.created(42, NAME, now=NOW)
    sets.added(42, now=NOW)
    again = sets.created(42, "cutouts_42_2_by_cutout_bot", now=LATER, count=3)
    assert again == StickerSet(42, "cutouts_42_2_by_cutout_bot", 3, LATER, LATER)


def test_sets_are_per_user_and_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    with open_database(path) as db:
        StickerSets(db).created(42, NAME, now=NOW)
        StickerSets(db).created(7, "cutouts_7_by_cutout_bot", now=NOW)
        StickerSets(db).added(7, now=NOW)
    with open_database(path) as db:
        counts = [s.count for s in map(StickerSets(db).get, (42, 7)) if s is not None]
    assert counts == [1, 2]


def test_a_negative_count_is_refused(sets: StickerSets) -> None:
    with pytest.raises(ValueError, match="stickers"):
        sets.created(42, NAME, now=NOW, count=-1)
