"""Inline keyboards and their `callback_data`: short, and never more than a job id."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from services.contract.wire import IMAGE_FORMATS, MODELS
from storage import JobOptions, UserSettings

from . import texts
from .i18n import LANGUAGES, Words
from .palette import CROP_KEYS, PALETTE, SWATCHES
from .texts import MODEL_ICONS, MODEL_NAMES

T = TypeVar("T")
# What Format ↻ steps through: the contract's formats, with JPG (no transparency) last.
FORMATS = tuple(sorted(IMAGE_FORMATS, key=lambda fmt: fmt == "jpg"))
QUALITIES = (60, 75, 85, 95, 100)
DEFAULT_BACKGROUNDS = ("", *PALETTE.values(), "blur")  # what /settings cycles through
Choices = TypeVar("Choices", JobOptions, UserSettings)  # both are the outputs wanted, and more
_DATA = re.compile(
    r"^(run|opt|look|redo|again|set|gset|lang|glang|stick|album)"
    r":([A-Za-z0-9_-]{1,20})(?::([a-z0-9]{1,10}))?$"
)
# A language button's key: "ptbr" for pt_BR; "auto" follows the Telegram app (or, in a
# group, each asker's).
LANGUAGE_KEYS: dict[str, str | None] = {
    "auto": None,
    **{language.lower().replace("_", ""): language for language in LANGUAGES},
}


@dataclass(frozen=True)
class Action:
    """A parsed button: `kind` on the job (or setting) `target`, with an optional `arg`."""

    kind: str
    target: str
    arg: str | None = None

    @property
    def data(self) -> str:
        return f"{self.kind}:{self.target}" + (f":{self.arg}" if self.arg else "")


def parse(data: str | None) -> Action | None:
    """The button's action, or None for data we never made (forged or from an old version)."""
    match = _DATA.match(data or "")
    return Action(*match.groups()) if match else None


def choice(t: Words, job_id: str, options: JobOptions) -> InlineKeyboardMarkup:
    """Fast / Precise, and toggles that flip in place."""
    fmt = options.image_format.upper()
    rows = [
        [
            _button(f"{MODEL_ICONS[model]} {t(MODEL_NAMES[model])}", "run", job_id, model)
            for model in MODELS
        ],
        [
            _button(_ticked(t, options.binary_mask, texts.MASK), "opt", job_id, "mask"),
            _button(
                _ticked(t, options.white_background, texts.WHITE_BACKGROUND),
                "opt",
                job_id,
                "white",
            ),
        ],
        [
            _button(t(texts.FORMAT, format=fmt), "opt", job_id, "format"),
            _button(_ticked(t, options.sticker, texts.STICKER), "opt", job_id, "sticker"),
        ],
        [
            _button(
                t(texts.BACKGROUND, name=background_name(t, options)), "opt", job_id, "bgmenu"
            ),
            _button(
                t(texts.CROP, name=t(texts.CROP_NAMES[options.crop])), "opt", job_id, "cropmenu"
            ),
        ],
    ]
    return InlineKeyboardMarkup(rows)


def background_menu(
    t: Words, job_id: str, options: JobOptions, kind: str = "opt"
) -> InlineKeyboardMarkup:
    """What goes behind the subject: none, a colour of the palette or the user's own, the
    photo's own background blurred, or another photo. `kind` is "opt" on a job still
    choosing, "look" on a result (a new look on its kept cut-out)."""

    def pick(key: str) -> InlineKeyboardButton:
        name = t(texts.BACKGROUND_NAMES["" if key == "none" else key])
        label = f"{SWATCHES.get(key, '')} {name}".strip()
        return _button(
            _marked(options.background == _background_key(key), label), kind, job_id, f"bg{key}"
        )

    colours = [pick(key) for key in PALETTE]
    rows = [
        [pick("none"), *colours[:2]],
        colours[2:6],
        [colours[6], pick("blur")],
        [
            _button(t(texts.BACKGROUND_CUSTOM), kind, job_id, "bgcustom"),
            _button(t(texts.BACKGROUND_PHOTO), kind, job_id, "bgphoto"),
        ],
        [_button(t(texts.BACK), kind, job_id, "back")],
    ]
    return InlineKeyboardMarkup(rows)


def crop_menu(
    t: Words, job_id: str, options: JobOptions, kind: str = "opt"
) -> InlineKeyboardMarkup:
    def pick(key: str) -> InlineKeyboardButton:
        crop = CROP_KEYS[key]
        label = t(texts.CROP_NAMES[crop])
        return _button(_marked(options.crop == crop, label), kind, job_id, f"crop{key}")

    keys = list(CROP_KEYS)
    rows = [[pick(k) for k in keys[:2]], [pick(k) for k in keys[2:]]]
    rows.append([_button(t(texts.BACK), kind, job_id, "back")])
    return InlineKeyboardMarkup(rows)


def background_name(t: Words, options: JobOptions | UserSettings) -> str:
    """The background's name on a button: a palette colour's name, or its hex code."""
    for key, colour in PALETTE.items():
        if options.background == colour:
            return t(texts.BACKGROUND_NAMES[key])
    if options.background in texts.BACKGROUND_NAMES:
        return t(texts.BACKGROUND_NAMES[options.background])
    return options.background


def result(t: Words, job_id: str, model: str) -> InlineKeyboardMarkup:
    other = following(MODELS, model)
    return InlineKeyboardMarkup(
        [
            [
                _button(t(texts.REDO_WITH, model=t(MODEL_NAMES[other])), "redo", job_id, other),
                _button(t(texts.OTHER_OUTPUTS), "again", job_id),
            ],
            [
                _button(t(texts.NEW_BACKGROUND), "look", job_id, "bgmenu"),
                _button(t(texts.NEW_CROP), "look", job_id, "cropmenu"),
            ],
            [InlineKeyboardButton(t(texts.SHARE), switch_inline_query="")],
        ]
    )


def album_choice(t: Words, photo_id: int, count: int) -> InlineKeyboardMarkup:
    """One photo of an album (the message `photo_id`), or all of it."""
    target = str(photo_id)  # short, unlike a media group id, which has no stated length
    return InlineKeyboardMarkup(
        [
            [
                _button(t(texts.ALBUM_THIS), "album", target, "one"),
                _button(t(texts.ALBUM_ALL, count=count), "album", target, "all"),
            ]
        ]
    )


def sticker(t: Words, job_id: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(t(texts.ADD_STICKER), "stick", job_id)]])


def retry(t: Words, job_id: str, model: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(t(texts.TRY_AGAIN), "redo", job_id, model)]])


def languages(t: Words, owner: str, chosen: str | None, *, group: bool) -> InlineKeyboardMarkup:
    """Each language by its own name, two a row, and "auto" last; `owner` is the user's id,
    or the group's."""
    kind = "glang" if group else "lang"
    auto = t(texts.GROUP_LANGUAGE_AUTO if group else texts.LANGUAGE_AUTO)

    def pick(key: str, label: str) -> InlineKeyboardButton:
        return _button(_marked(LANGUAGE_KEYS[key] == chosen, label), kind, owner, key)

    named = [pick(key, LANGUAGES[language]) for key, language in LANGUAGE_KEYS.items() if language]
    rows = [named[i : i + 2] for i in range(0, len(named), 2)]
    rows.append([pick("auto", auto)])
    return InlineKeyboardMarkup(rows)


def settings(t: Words, owner: str, defaults: UserSettings, *, group: bool) -> InlineKeyboardMarkup:
    """A user's defaults (`owner` is their id), or a group's (its id; no "Ask each time")."""
    kind = "gset" if group else "set"
    fmt = defaults.image_format.upper()
    rows = [
        [_button(t(texts.MODEL, model=t(MODEL_NAMES[defaults.model])), kind, owner, "model")],
        [
            _button(_ticked(t, defaults.binary_mask, texts.MASK), kind, owner, "mask"),
            _button(
                _ticked(t, defaults.white_background, texts.WHITE_BACKGROUND), kind, owner, "white"
            ),
        ],
        [
            _button(t(texts.FORMAT, format=fmt), kind, owner, "format"),
            _button(t(texts.QUALITY, quality=defaults.image_quality), kind, owner, "quality"),
        ],
        [
            _button(
                t(texts.BACKGROUND, name=background_name(t, defaults)) + " ↻", kind, owner, "bg"
            ),
            _button(
                t(texts.CROP, name=t(texts.CROP_NAMES[defaults.crop])) + " ↻", kind, owner, "crop"
            ),
        ],
    ]
    rows.append([_button(t(texts.BACKGROUND_CUSTOM), kind, owner, "bgcustom")])
    if not group:
        ask = _ticked(t, defaults.ask_each_time, texts.ASK_EACH_TIME)
        rows.append([_button(ask, kind, owner, "ask")])
    return InlineKeyboardMarkup(rows)


def toggled_job(options: JobOptions, what: str) -> JobOptions:
    """A job's options with one toggle flipped or one choice made: the sticker and the menus'
    backgrounds and crops, chosen per job, or as `toggled`."""
    if what == "sticker":
        return replace(options, sticker=not options.sticker)
    if what.startswith("bg") and (background := _background_key(what[2:])) is not None:
        return replace(options, background=background, background_photo=None)
    if what.startswith("crop") and what[4:] in CROP_KEYS:
        return replace(options, crop=CROP_KEYS[what[4:]])
    return toggled(options, what)


def _background_key(key: str) -> str | None:
    if key == "none":
        return ""
    if key == "blur":
        return "blur"
    return PALETTE.get(key)


def toggled(options: Choices, what: str) -> Choices:
    """A job's options, or someone's defaults, with one toggle flipped or one cycle advanced;
    ValueError for anything else."""
    if what == "mask":
        return replace(options, binary_mask=not options.binary_mask)
    if what == "white":
        return replace(options, white_background=not options.white_background)
    if what == "format":
        fmt = following(FORMATS, options.image_format)
        return replace(options, image_format=fmt)
    if what == "quality":
        higher = [q for q in QUALITIES if q > options.image_quality]
        return replace(options, image_quality=higher[0] if higher else QUALITIES[0])
    if what == "bg":
        return replace(options, background=following(DEFAULT_BACKGROUNDS, options.background))
    if what == "crop":
        return replace(options, crop=following(tuple(CROP_KEYS.values()), options.crop))
    raise ValueError(f"unknown toggle {what!r}")


def following(cycle: Sequence[T], current: object) -> T:
    """The value after `current` in `cycle`; the first for one not in it (a custom colour)."""
    return cycle[(cycle.index(current) + 1) % len(cycle)] if current in cycle else cycle[0]


def _button(text: str, kind: str, target: str, arg: str | None = None) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=Action(kind, target, arg).data)


def _ticked(t: Words, on: bool, label: str) -> str:
    """A toggle's label with its box."""
    return f"{'☑' if on else '☐'} {t(label)}"


def _marked(chosen: bool, label: str) -> str:
    """A menu's choice, with a tick on the chosen one."""
    return f"✓ {label}" if chosen else label
