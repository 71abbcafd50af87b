from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from storage import (
    JobOptions,
    SharedDatabase,
    UserNotFoundError,
    Users,
    UserSettings,
    open_database,
)
from tests.storage_fixtures import NOW


@pytest.fixture
def users(db: SharedDatabase) -> Users:
    return Users(db)


def test_an_unknown_user_has_the_default_settings(users: Users) -> None:
    assert users.settings(404) == UserSettings()
    assert UserSettings() == UserSettings(
        model="fast",
        binary_mask=False,
        white_background=False,
        image_format="png",
        image_quality=85,
        ask_each_time=True,
    )


@pytest.mark.parametrize(
    "settings",
    [
        UserSettings(),
        UserSettings(model="precise", ask_each_time=False),
        UserSettings(binary_mask=True, white_background=True),
        UserSettings(image_format="webp", image_quality=60),
        UserSettings(image_format="jpg", image_quality=100),
    ],
)
def test_settings_persist_across_a_restart(db_path: Path, settings: UserSettings) -> None:
    with open_database(db_path) as db:
        Users(db).touch(1, "ada", now=NOW)
        Users(db).save_settings(1, settings, now=NOW)
    with open_database(db_path) as db:
        assert Users(db).settings(1) == settings


def test_saving_twice_keeps_the_last_settings(users: Users) -> None:
    users.save_settings(1, UserSettings(model="precise"), now=NOW)
    users.save_settings(1, UserSettings(image_format="webp"), now=NOW)
    assert users.settings(1) == UserSettings(image_format="webp")


def test_saving_settings_for_a_new_user_adds_them(users: Users) -> None:
    users.save_settings(1, UserSettings(model="precise"), now=NOW)
    assert not users.touch(1, "ada", now=NOW)
    assert users.settings(1).model == "precise"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"model": "slow"}, "unknown model"),
        ({"image_format": "gif"}, "unknown image format"),
        ({"image_quality": 0}, "quality"),
        ({"image_quality": 101}, "quality"),
        ({"image_quality": True}, "quality"),
    ],
)
def test_invalid_settings_are_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        UserSettings(**changes)
    with pytest.raises(ValueError, match=message):
        replace(UserSettings(), **changes)


def test_settings_give_the_options_of_a_new_job() -> None:
    settings = UserSettings(
        model="precise", binary_mask=True, image_format="jpg", image_quality=70
    )
    assert settings.job_options() == JobOptions(
        binary_mask=True, white_background=False, image_format="jpg", image_quality=70
    )
    assert settings.job_options().sticker is False  # chosen per job, never a default


def test_touch_tells_a_new_user_from_a_known_one(users: Users, db: SharedDatabase) -> None:
    assert users.touch(1, "ada", now=NOW) is True
    later = NOW + timedelta(hours=3)
    assert users.touch(1, "ada_l", now=later) is False
    row = db.execute("SELECT username, first_seen, last_seen FROM users WHERE user_id = 1")
    assert row.fetchone() == ("ada_l", "2025-03-14T12:30:00+00:00", "2025-03-14T15:30:00+00:00")


def test_last_seen_never_goes_back(users: Users, db: SharedDatabase) -> None:
    users.touch(1, "ada", now=NOW)
    users.touch(1, "ada", now=NOW - timedelta(minutes=5))
    row = db.execute("SELECT last_seen FROM users WHERE user_id = 1").fetchone()
    assert row == ("2025-03-14T12:30:00+00:00",)


def test_touch_keeps_the_settings(users: Users) -> None:
    users.save_settings(1, UserSettings(model="precise"), now=NOW)
    users.touch(1, None, now=NOW)
    assert users.settings(1).model == "precise"


def test_the_photo_tip_is_due_once_and_remembered(db_path: Path) -> None:
    with open_database(db_path) as db:
        users = Users(db)
        assert users.photo_tip_due(1)
        users.touch(1, "ada", now=NOW)
        assert users.photo_tip_due(1)
        users.mark_photo_tip(1)
        assert not users.photo_tip_due(1)
        assert users.photo_tip_due(2)
    with open_database(db_path) as db:
        assert not Users(db).photo_tip_due(1)


def test_marking_the_photo_tip_needs_a_known_user(users: Users) -> None:
    with pytest.raises(UserNotFoundError):
        users.mark_photo_tip(1)


def test_a_background_and_a_crop_are_saved_among_the_defaults(db: SharedDatabase) -> None:
    users = Users(db)
    chosen = UserSettings(background="#E53935", crop="square")
    users.save_settings(7, chosen, now=NOW)
    assert users.settings(7) == chosen
    assert users.settings(7).job_options().background == "#E53935"
    assert users.settings(8) == UserSettings()  # none yet: transparent, no crop


@pytest.mark.parametrize(
    "values",
    [
        {"background": "red"},
        {"background": "#e53935"},
        {"crop": "circle"},
        {"background": "photo"},
    ],
)
def test_unknown_backgrounds_and_crops_are_refused(values: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="background|crop"):
        UserSettings(**values)  # type: ignore[arg-type]


def test_a_photo_background_comes_with_its_file_and_old_options_still_load() -> None:
    with pytest.raises(ValueError, match="photo"):
        JobOptions(background="photo")
    options = JobOptions(background="photo", background_photo="AgAD", crop="4:5")
    assert JobOptions.from_json(options.to_json()) == options
    assert options.has_look
    older = JobOptions.from_json('{"binary_mask": true, "image_format": "jpg"}')
    assert (older.background, older.crop, older.has_look) == ("", "", False)


def test_a_language_is_saved_cleared_and_checked(users: Users) -> None:
    assert users.language(1) is None
    users.set_language(1, "pt_BR", now=NOW)
    assert users.language(1) == "pt_BR"
    assert users.settings(1) == UserSettings()  # a language is not among the defaults
    users.set_language(1, None, now=NOW)
    assert users.language(1) is None
    with pytest.raises(ValueError, match="not a language"):
        users.set_language(1, "'; DROP TABLE users", now=NOW)


def test_a_job_keeps_its_language_and_an_old_one_is_english() -> None:
    options = JobOptions(language="uk")
    assert JobOptions.from_json(options.to_json()).language == "uk"
    assert JobOptions.from_json('{"image_format": "png"}').language == "en"
    with pytest.raises(ValueError, match="not a language"):
        JobOptions(language="klingon!")
