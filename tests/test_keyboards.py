from __future__ import annotations

import pytest

from bot import keyboards
from bot.intake import looks_like_image
from bot.preferences import changed_setting
from services.contract.wire import OutputOptions
from storage import UserSettings

LONGEST_ID = "A" * 16


def all_data(markup: keyboards.InlineKeyboardMarkup) -> list[str]:
    return [str(b.callback_data) for row in markup.inline_keyboard for b in row if b.callback_data]


def test_callback_data_fits_in_64_bytes_and_parses_back() -> None:
    options = OutputOptions(binary_mask=True, image_format="webp")
    markups = [
        keyboards.choice(LONGEST_ID, {**options.model_dump(), "sticker": True}),
        keyboards.result(LONGEST_ID, "precise"),
        keyboards.settings("1234567890123", "fast", options, ask_each_time=False),
        keyboards.settings("-1001234567890123", "precise", options, ask_each_time=None),
    ]
    for data in [d for markup in markups for d in all_data(markup)]:
        assert len(data.encode()) <= 64
        action = keyboards.parse(data)
        assert action is not None
        assert action.data == data


def test_choice_has_fast_precise_and_the_toggles() -> None:
    texts = [
        b.text
        for row in keyboards.choice("j1", OutputOptions().model_dump()).inline_keyboard
        for b in row
    ]
    assert any("Fast" in t for t in texts)
    assert any("Precise" in t for t in texts)
    assert any("Mask" in t for t in texts)
    assert any("White background" in t for t in texts)
    assert any("PNG" in t for t in texts)
    assert any("Sticker" in t for t in texts)


@pytest.mark.parametrize(
    "data",
    [
        "",
        "run",
        "run:",
        "rm:abc:fast",
        "run:abc:FAST",
        "run:../x:fast",
        "run:" + "a" * 21,
        "opt:abc:mask:extra",
        None,
    ],
)
def test_forged_callback_data_is_refused(data: str | None) -> None:
    assert keyboards.parse(data) is None


def test_toggles_flip_and_cycle() -> None:
    options = OutputOptions()
    assert keyboards.toggled(options, "mask").binary_mask
    assert keyboards.toggled(options, "white").white_background
    formats = [options := keyboards.toggled(options, "format") for _ in range(3)]
    assert [f.image_format for f in formats] == ["webp", "jpg", "png"]
    assert keyboards.toggled(OutputOptions(image_quality=85), "quality").image_quality == 95
    assert keyboards.toggled(OutputOptions(image_quality=100), "quality").image_quality == 60
    with pytest.raises(ValueError, match="unknown toggle"):
        keyboards.toggled(options, "colour")


def test_job_toggles_keep_the_bots_own_sticker_option() -> None:
    options = {**OutputOptions().model_dump(), "sticker": False}
    assert keyboards.toggled_job(options, "sticker")["sticker"] is True
    masked = keyboards.toggled_job({**options, "sticker": True}, "mask")
    assert masked["binary_mask"] is True
    assert masked["sticker"] is True


def test_settings_buttons_change_one_thing_each() -> None:
    base = UserSettings()
    assert changed_setting(base, "model").model == "precise"
    assert changed_setting(base, "ask").ask_each_time is False
    assert changed_setting(base, "mask").binary_mask is True
    assert changed_setting(base, "format").image_format == "webp"
    assert changed_setting(base, "quality").image_quality == 95
    with pytest.raises(ValueError, match="unknown toggle"):
        changed_setting(base, "nonsense")


@pytest.mark.parametrize(
    ("mime", "name", "expected"),
    [
        ("image/jpeg", "a.jpg", True),
        ("image/heic", None, True),
        (None, "scan.TIFF", True),
        ("application/octet-stream", "x.png", True),
        ("application/pdf", "x.pdf", False),
        ("text/plain", "notes.jpg", False),
        (None, "archive.zip", False),
    ],
)
def test_which_documents_are_worth_downloading(
    mime: str | None, name: str | None, expected: bool
) -> None:
    assert looks_like_image(mime, name) is expected
