"""Inline keyboards and their `callback_data`: short, and never more than a job id."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from services.contract.wire import OutputOptions

from . import texts
from .texts import MODEL_NAMES

FORMATS = ("png", "webp", "jpg")
QUALITIES = (60, 75, 85, 95, 100)
_DATA = re.compile(
    r"^(run|opt|redo|again|set|gset|stick|album):([A-Za-z0-9_-]{1,20})(?::([a-z]{1,10}))?$"
)


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


def choice(job_id: str, job_options: Mapping[str, Any]) -> InlineKeyboardMarkup:
    """Fast / Precise, and toggles that flip in place."""
    options = _output_options(job_options)
    sticker = bool(job_options.get("sticker"))
    fmt = (options.image_format or "png").upper()
    rows = [
        [
            _button("⚡ Fast", "run", job_id, "fast"),
            _button("🎯 Precise", "run", job_id, "precise"),
        ],
        [
            _button(f"{_tick(options.binary_mask)} Mask", "opt", job_id, "mask"),
            _button(f"{_tick(options.white_background)} White background", "opt", job_id, "white"),
        ],
        [
            _button(f"Format: {fmt} ↻", "opt", job_id, "format"),
            _button(f"{_tick(sticker)} Sticker", "opt", job_id, "sticker"),
        ],
    ]
    return InlineKeyboardMarkup(rows)


def result(job_id: str, model: str) -> InlineKeyboardMarkup:
    other = "precise" if model == "fast" else "fast"
    return InlineKeyboardMarkup(
        [
            [
                _button(f"↻ Redo with {MODEL_NAMES[other]}", "redo", job_id, other),
                _button("⚙ Other outputs", "again", job_id),
            ],
            [InlineKeyboardButton("↗ Share", switch_inline_query="")],
        ]
    )


def album_choice(photo_id: int, count: int) -> InlineKeyboardMarkup:
    """One photo of an album (the message `photo_id`), or all of it."""
    target = str(photo_id)  # short, unlike a media group id, which has no stated length
    return InlineKeyboardMarkup(
        [
            [
                _button(texts.ALBUM_THIS, "album", target, "one"),
                _button(texts.ALBUM_ALL.format(count=count), "album", target, "all"),
            ]
        ]
    )


def sticker(job_id: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button("➕ Add to my sticker set", "stick", job_id)]])


def toggled_job(job_options: Mapping[str, Any], what: str) -> dict[str, Any]:
    """A job's options with one toggle flipped; `sticker` is the bot's own option."""
    if what == "sticker":
        return {**job_options, "sticker": not job_options.get("sticker")}
    flipped = toggled(_output_options(job_options), what)
    return {**job_options, **flipped.model_dump()}


def _output_options(job_options: Mapping[str, Any]) -> OutputOptions:
    return OutputOptions.model_validate({k: v for k, v in job_options.items() if k != "sticker"})


def retry(job_id: str, model: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button("↻ Try again", "redo", job_id, model)]])


def settings(
    owner: str, model: str, options: OutputOptions, ask_each_time: bool | None
) -> InlineKeyboardMarkup:
    """A user's defaults (`owner` is their id), or a group's (`ask_each_time` None)."""
    kind = "set" if ask_each_time is not None else "gset"
    fmt = (options.image_format or "png").upper()
    rows = [
        [_button(f"Model: {MODEL_NAMES[model]} ↻", kind, owner, "model")],
        [
            _button(f"{_tick(options.binary_mask)} Mask", kind, owner, "mask"),
            _button(f"{_tick(options.white_background)} White background", kind, owner, "white"),
        ],
        [
            _button(f"Format: {fmt} ↻", kind, owner, "format"),
            _button(f"Quality: {options.image_quality} ↻", kind, owner, "quality"),
        ],
    ]
    if ask_each_time is not None:
        rows.append([_button(f"{_tick(ask_each_time)} Ask each time", kind, owner, "ask")])
    return InlineKeyboardMarkup(rows)


def toggled(options: OutputOptions, what: str) -> OutputOptions:
    """`options` with one toggle flipped or one cycle advanced."""
    if what == "mask":
        return options.model_copy(update={"binary_mask": not options.binary_mask})
    if what == "white":
        return options.model_copy(update={"white_background": not options.white_background})
    if what == "format":
        fmt = FORMATS[(FORMATS.index(options.image_format or "png") + 1) % len(FORMATS)]
        return options.model_copy(update={"image_format": fmt})
    if what == "quality":
        higher = [q for q in QUALITIES if q > options.image_quality]
        return options.model_copy(update={"image_quality": higher[0] if higher else QUALITIES[0]})
    raise ValueError(f"unknown toggle {what!r}")


def _button(text: str, kind: str, target: str, arg: str | None = None) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=Action(kind, target, arg).data)


def _tick(on: bool) -> str:
    return "☑" if on else "☐"
