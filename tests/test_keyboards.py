from __future__ import annotations

import pytest

from bot import keyboards
from bot.i18n import words
from bot.intake import looks_like_image
from bot.preferences import changed_setting
from bot.steps import backend_options
from storage import JobOptions, UserSettings

LONGEST_ID = "A" * 16
EN = words("en")


def all_data(markup: keyboards.InlineKeyboardMarkup) -> list[str]:
    return [str(b.callback_data) for row in markup.inline_keyboard for b in row if b.callback_data]


def test_callback_data_fits_in_64_bytes_and_parses_back() -> None:
    defaults = UserSettings(binary_mask=True, image_format="webp", ask_each_time=False)
    markups = [
        keyboards.choice(EN, LONGEST_ID, JobOptions(binary_mask=True, sticker=True)),
        keyboards.result(EN, LONGEST_ID, "precise"),
        keyboards.settings(EN, "1234567890123", defaults, group=False),
        keyboards.settings(EN, "-1001234567890123", defaults, group=True),
    ]
    for data in [d for markup in markups for d in all_data(markup)]:
        assert len(data.encode()) <= 64
        action = keyboards.parse(data)
        assert action is not None
        assert action.data == data


def test_choice_has_fast_precise_and_the_toggles() -> None:
    markup = keyboards.choice(EN, "j1", JobOptions())
    texts = [b.text for row in markup.inline_keyboard for b in row]
    assert any("Fast" in t for t in texts)
    assert any("Precise" in t for t in texts)
    assert any("Mask" in t for t in texts)
    assert any("White background" in t for t in texts)
    assert any("PNG" in t for t in texts)
    assert any("Sticker" in t for t in texts)


def test_choice_offers_the_models_fast_first() -> None:
    first = keyboards.choice(EN, "j1", JobOptions()).inline_keyboard[0]
    assert [(b.text, b.callback_data) for b in first] == [
        ("⚡ Fast", "run:j1:fast"),
        ("🎯 Precise", "run:j1:precise"),
    ]


@pytest.mark.parametrize(("model", "other"), [("fast", "precise"), ("precise", "fast")])
def test_a_result_offers_a_redo_with_the_other_model(model: str, other: str) -> None:
    redo = keyboards.result(EN, "j1", model).inline_keyboard[0][0]
    assert redo.text == f"↻ Redo with {other.capitalize()}"
    assert redo.callback_data == f"redo:j1:{other}"


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
    options = JobOptions()
    assert keyboards.toggled(options, "mask").binary_mask
    assert keyboards.toggled(options, "white").white_background
    formats = [options := keyboards.toggled(options, "format") for _ in range(3)]
    assert [f.image_format for f in formats] == ["webp", "jpg", "png"]
    assert keyboards.toggled(JobOptions(image_quality=85), "quality").image_quality == 95
    assert keyboards.toggled(JobOptions(image_quality=100), "quality").image_quality == 60
    with pytest.raises(ValueError, match="unknown toggle"):
        keyboards.toggled(options, "colour")


def test_job_toggles_keep_the_bots_own_sticker_option() -> None:
    options = JobOptions()
    assert keyboards.toggled_job(options, "sticker") == JobOptions(sticker=True)
    masked = keyboards.toggled_job(JobOptions(sticker=True), "mask")
    assert masked == JobOptions(binary_mask=True, sticker=True)


def test_the_choice_shows_the_jobs_own_options() -> None:
    markup = keyboards.choice(EN, "j1", JobOptions(white_background=True, image_format="webp"))
    texts = [b.text for row in markup.inline_keyboard for b in row]
    assert "☑ White background" in texts
    assert "☐ Mask" in texts
    assert "Format: WEBP ↻" in texts
    assert "☐ Sticker" in texts


def test_settings_buttons_change_one_thing_each() -> None:
    base = UserSettings()
    assert changed_setting(base, "model").model == "precise"
    assert changed_setting(changed_setting(base, "model"), "model").model == "fast"
    assert changed_setting(base, "ask").ask_each_time is False
    assert changed_setting(base, "mask").binary_mask is True
    assert changed_setting(base, "format").image_format == "webp"
    assert changed_setting(base, "quality").image_quality == 95
    for what in ("nonsense", "sticker"):  # a sticker is chosen per job, never saved
        with pytest.raises(ValueError, match="unknown toggle"):
            changed_setting(base, what)


def test_the_backend_is_asked_for_the_jobs_outputs_but_never_a_sticker() -> None:
    options = JobOptions(binary_mask=True, image_format="jpg", image_quality=60, sticker=True)
    assert backend_options(options).dump() == {
        "binary_mask": True,
        "white_background": False,
        "image_format": "jpg",
        "image_quality": 60,
    }


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


@pytest.mark.parametrize(
    ("arg", "background", "crop"),
    [
        ("bgred", "#E53935", ""),
        ("bgnone", "", ""),
        ("bgblur", "blur", ""),
        ("cropsquare", "", "square"),
        ("crop916", "", "9:16"),
        ("cropnone", "", ""),
    ],
)
def test_a_menu_choice_sets_the_jobs_background_or_crop(
    arg: str, background: str, crop: str
) -> None:
    action = keyboards.parse(f"opt:abc:{arg}")
    assert action is not None
    assert action.arg == arg
    chosen = keyboards.toggled_job(JobOptions(), arg)
    assert (chosen.background, chosen.crop) == (background, crop)


def test_a_new_background_drops_a_photo_chosen_before() -> None:
    options = JobOptions(background="photo", background_photo="AgAD")
    assert keyboards.toggled_job(options, "bgwhite") == JobOptions(background="#FFFFFF")


@pytest.mark.parametrize("arg", ["bgpurple", "cropcircle", "bgphotos"])
def test_unknown_menu_choices_are_refused(arg: str) -> None:
    with pytest.raises(ValueError, match="unknown toggle"):
        keyboards.toggled_job(JobOptions(), arg)


def test_settings_cycle_backgrounds_and_crops_and_a_custom_colour_starts_over() -> None:
    assert keyboards.toggled(UserSettings(), "bg").background == "#FFFFFF"
    assert keyboards.toggled(UserSettings(background="blur"), "bg").background == ""
    assert keyboards.toggled(UserSettings(background="#123456"), "bg").background == ""
    assert keyboards.toggled(UserSettings(crop="9:16"), "crop").crop == ""


def test_the_menus_mark_the_current_choice() -> None:
    options = JobOptions(background="#000000", crop="4:5")
    menu = keyboards.background_menu(EN, "abc", options)
    crop = keyboards.crop_menu(EN, "abc", options)
    bg = [b.text for row in menu.inline_keyboard for b in row]
    crops = [b.text for row in crop.inline_keyboard for b in row]
    assert [t for t in bg if t.startswith("✓")] == ["✓ ⬛ Black"]
    assert [t for t in crops if t.startswith("✓")] == ["✓ 4:5"]
    main = [b.text for row in keyboards.choice(EN, "abc", options).inline_keyboard for b in row]
    assert "🎨 Background: Black" in main
    assert "✂️ Crop: 4:5" in main
