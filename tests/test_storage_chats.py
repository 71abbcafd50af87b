from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from storage import ChatNotFoundError, Chats, SharedDatabase, UserSettings, open_database
from tests.storage_fixtures import NOW

GROUP = -1001234
LATER = NOW + timedelta(minutes=5)


@pytest.fixture
def chats(db: SharedDatabase) -> Chats:
    return Chats(db)


def row(db: SharedDatabase, chat_id: int) -> tuple[object, ...]:
    return tuple(
        db.execute(
            "SELECT type, title, status, added_by FROM chats WHERE chat_id = ?", (chat_id,)
        ).fetchone()
    )


def test_an_unknown_chat_can_be_written_to_and_has_no_group_settings(chats: Chats) -> None:
    assert chats.status(GROUP) is None
    assert chats.can_write(GROUP)
    assert chats.group_settings(GROUP) is None


@pytest.mark.parametrize(
    ("status", "writable"),
    [("member", True), ("administrator", True), ("left", False), ("kicked", False)],
)
def test_the_bot_writes_only_where_it_is_a_member(
    chats: Chats, status: str, writable: bool
) -> None:
    assert chats.record_membership(GROUP, "supergroup", "Cats", status, by=7, now=NOW)
    assert chats.status(GROUP) == status
    assert chats.can_write(GROUP) is writable


def test_a_user_who_blocks_the_bot_and_unblocks_it(chats: Chats) -> None:
    chats.record_membership(42, "private", None, "member", by=42, now=NOW)
    chats.record_membership(42, "private", None, "kicked", by=42, now=LATER)
    assert not chats.can_write(42)
    chats.record_membership(42, "private", None, "member", by=42, now=LATER + timedelta(days=1))
    assert chats.can_write(42)
    assert chats.status(42) == "member"


def test_membership_survives_a_restart(db_path: Path) -> None:
    with open_database(db_path) as db:
        Chats(db).record_membership(GROUP, "group", "Cats", "kicked", by=7, now=NOW)
    with open_database(db_path) as db:
        assert not Chats(db).can_write(GROUP)


def test_an_unknown_status_is_refused(chats: Chats) -> None:
    with pytest.raises(ValueError, match="unknown chat status"):
        chats.record_membership(GROUP, "group", "Cats", "restricted", by=7, now=NOW)
    assert chats.status(GROUP) is None


def test_an_older_membership_update_does_not_undo_a_newer_one(
    chats: Chats, db: SharedDatabase
) -> None:
    chats.record_membership(GROUP, "group", "Cats", "kicked", by=9, now=LATER)
    assert not chats.record_membership(GROUP, "group", "Old cats", "member", by=7, now=NOW)
    assert row(db, GROUP) == ("group", "Cats", "kicked", None)


def test_updates_in_the_same_second_apply_in_order(chats: Chats) -> None:
    chats.record_membership(GROUP, "group", "Cats", "member", by=7, now=NOW)
    assert chats.record_membership(GROUP, "group", "Cats", "left", by=7, now=NOW)
    assert chats.status(GROUP) == "left"


def test_added_by_is_who_added_the_bot_last(chats: Chats, db: SharedDatabase) -> None:
    chats.record_membership(GROUP, "group", "Cats", "member", by=7, now=NOW)
    chats.record_membership(GROUP, "group", "Cats", "administrator", by=8, now=NOW)
    assert row(db, GROUP)[3] == 7  # promoted, not added, by 8
    chats.record_membership(GROUP, "group", "Cats", "kicked", by=9, now=LATER)
    assert row(db, GROUP)[3] == 7  # removed by 9: still added by 7
    chats.record_membership(GROUP, "group", "Cats", "member", by=10, now=LATER)
    assert row(db, GROUP)[3] == 10


def test_a_chat_first_seen_as_removed_has_no_adder(chats: Chats, db: SharedDatabase) -> None:
    chats.record_membership(GROUP, "group", "Cats", "left", by=9, now=NOW)
    assert row(db, GROUP) == ("group", "Cats", "left", None)


def test_the_type_and_title_follow_the_chat(chats: Chats, db: SharedDatabase) -> None:
    chats.record_membership(GROUP, "group", "Cats", "member", by=7, now=NOW)
    chats.record_membership(GROUP, "supergroup", "Big cats", "member", by=7, now=LATER)
    assert row(db, GROUP)[:2] == ("supergroup", "Big cats")
    chats.record_membership(GROUP, "supergroup", None, "administrator", by=7, now=LATER)
    assert row(db, GROUP)[:2] == ("supergroup", "Big cats")


def test_touch_adds_an_unknown_chat_as_a_member(chats: Chats, db: SharedDatabase) -> None:
    assert chats.touch(GROUP, "group", "Cats", now=NOW) is True
    assert row(db, GROUP) == ("group", "Cats", "member", None)
    assert chats.touch(GROUP, "supergroup", "Big cats", now=LATER) is False
    assert row(db, GROUP) == ("supergroup", "Big cats", "member", None)


def test_touch_keeps_a_recorded_status(chats: Chats) -> None:
    chats.record_membership(42, "private", None, "kicked", by=42, now=NOW)
    assert chats.touch(42, "private", None, now=LATER) is False
    assert chats.status(42) == "kicked"


def test_any_membership_update_overrides_the_status_touch_guessed(chats: Chats) -> None:
    chats.touch(GROUP, "group", "Cats", now=LATER)
    assert chats.record_membership(GROUP, "group", "Cats", "left", by=7, now=NOW)
    assert chats.status(GROUP) == "left"


@pytest.mark.parametrize(
    "settings",
    [
        UserSettings(),
        UserSettings(model="precise", binary_mask=True),
        UserSettings(white_background=True, image_format="jpg", image_quality=60),
    ],
)
def test_group_settings_persist_across_a_restart(db_path: Path, settings: UserSettings) -> None:
    with open_database(db_path) as db:
        Chats(db).record_membership(GROUP, "group", "Cats", "member", by=7, now=NOW)
        Chats(db).save_group_settings(GROUP, settings, now=NOW)
    with open_database(db_path) as db:
        assert Chats(db).group_settings(GROUP) == settings


def test_ask_each_time_is_not_kept_for_a_group(chats: Chats) -> None:
    chats.touch(GROUP, "group", "Cats", now=NOW)
    chats.save_group_settings(GROUP, UserSettings(model="precise", ask_each_time=False), now=NOW)
    assert chats.group_settings(GROUP) == UserSettings(model="precise")


def test_membership_changes_keep_the_group_settings(chats: Chats) -> None:
    chats.touch(GROUP, "group", "Cats", now=NOW)
    chats.save_group_settings(GROUP, UserSettings(model="precise"), now=NOW)
    chats.record_membership(GROUP, "group", "Cats", "left", by=7, now=LATER)
    chats.record_membership(GROUP, "group", "Cats", "member", by=7, now=LATER)
    assert chats.group_settings(GROUP) == UserSettings(model="precise")


def test_saving_group_settings_does_not_hide_a_later_membership_update(chats: Chats) -> None:
    chats.record_membership(GROUP, "group", "Cats", "member", by=7, now=NOW)
    chats.save_group_settings(GROUP, UserSettings(), now=LATER)
    assert chats.record_membership(GROUP, "group", "Cats", "kicked", by=9, now=NOW)
    assert not chats.can_write(GROUP)


def test_cleared_group_settings_are_none_again(chats: Chats) -> None:
    chats.touch(GROUP, "group", "Cats", now=NOW)
    chats.save_group_settings(GROUP, UserSettings(model="precise"), now=NOW)
    chats.clear_group_settings(GROUP, now=LATER)
    assert chats.group_settings(GROUP) is None
    assert chats.status(GROUP) == "member"


def test_group_settings_need_a_known_chat(chats: Chats) -> None:
    with pytest.raises(ChatNotFoundError):
        chats.save_group_settings(GROUP, UserSettings(), now=NOW)
    with pytest.raises(ChatNotFoundError):
        chats.clear_group_settings(GROUP, now=NOW)
    assert chats.status(GROUP) is None


def test_a_groups_background_and_crop_are_saved_and_cleared(db: SharedDatabase) -> None:
    chats = Chats(db)
    chats.touch(-100, "supergroup", "Cats", now=NOW)
    chats.save_group_settings(-100, UserSettings(background="blur", crop="9:16"), now=NOW)
    saved = chats.group_settings(-100)
    assert saved is not None
    assert (saved.background, saved.crop) == ("blur", "9:16")
    chats.clear_group_settings(-100, now=NOW)
    assert chats.group_settings(-100) is None


def test_a_group_language_needs_the_chat_and_can_be_cleared(chats: Chats) -> None:
    with pytest.raises(ChatNotFoundError):
        chats.set_language(-5, "de", now=NOW)
    chats.touch(-5, "group", "Friends", now=NOW)
    assert chats.language(-5) is None
    chats.set_language(-5, "de", now=NOW)
    assert chats.language(-5) == "de"
    assert chats.group_settings(-5) is None  # a language is not among the defaults
    chats.set_language(-5, None, now=NOW)
    assert chats.language(-5) is None
