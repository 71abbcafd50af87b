"""The bot's backgrounds and crops: the palette, colour names a user may type, and the look the
composer makes from a job's options."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace

from telegram import Bot

from services.contract import OutputOptions, RemoveBgResult
from services.contract.local import engine_options
from services.engine import BadOptionError, ImageError
from services.engine.backgrounds import Background, Blur, Colour, Photo
from services.engine.composer import Composer
from services.engine.crops import Crop
from services.engine.looks import Look
from storage import Job, JobOptions

from . import texts
from .delivery import download_file
from .failures import JobFailure

# The background menu's colours, by the key its buttons carry.
PALETTE = {
    "white": "#FFFFFF",
    "black": "#000000",
    "red": "#E53935",
    "blue": "#1E88E5",
    "green": "#43A047",
    "yellow": "#FDD835",
    "grey": "#9E9E9E",
}
SWATCHES = {"white": "⬜", "black": "⬛", "red": "🟥", "blue": "🟦", "green": "🟩", "yellow": "🟨"}
# Colour names a user may reply with, besides #RRGGBB (English; web colour values).
NAMED = {
    **PALETTE,
    "gray": "#9E9E9E",
    "orange": "#FB8C00",
    "purple": "#8E24AA",
    "violet": "#8E24AA",
    "pink": "#EC407A",
    "brown": "#6D4C41",
    "beige": "#F5F5DC",
    "navy": "#000080",
    "teal": "#008080",
    "cyan": "#00BCD4",
    "turquoise": "#40E0D0",
    "gold": "#FFD700",
    "silver": "#C0C0C0",
    "cream": "#FFFDD0",
    "lime": "#C0CA33",
}
CROP_KEYS = {"none": "", "subj": "subject", "square": "square", "45": "4:5", "916": "9:16"}
MARGIN = 5.0  # percent of the subject's longer side, around every crop the bot makes
_HEX = re.compile(r"#?([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})")


def colour_of(text: str) -> str | None:
    """A typed colour as #RRGGBB: a hex code (#FF8800, ff8800, #f80) or a name; else None."""
    cleaned = text.strip().lower().replace(" ", "")
    if cleaned in NAMED:
        return NAMED[cleaned]
    found = _HEX.fullmatch(cleaned)
    if found is None:
        return None
    digits = found.group(1)
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return "#" + digits.upper()


def look_of(options: JobOptions, photo: bytes | None = None) -> Look:
    """The engine's look for a job; a photo background needs the photo's bytes."""
    background: Background | None = None
    if options.background == "blur":
        background = Blur()
    elif options.background == "photo":
        if photo is None:
            raise ValueError("a photo background needs the photo")
        background = Photo(photo)
    elif options.background:
        background = Colour.parse(options.background)
    crop = Crop(options.crop, margin=MARGIN) if options.crop else None
    return Look(background=background, crop=crop)


async def compose(
    bot: Bot,
    composer: Composer,
    job: Job,
    original: bytes | None,
    cutout: RemoveBgResult,
) -> RemoveBgResult:
    """The job's background and crop, laid onto a plain cut-out here, whatever the backend:
    the same result from our engine, our server or Ximilar's cloud. Runs off the loop.
    `original` is needed for a blurred background only."""
    options = job.options
    photo = None
    if options.background_photo is not None:
        photo = await download_file(bot, options.background_photo)
    outputs = OutputOptions(
        binary_mask=options.binary_mask,
        white_background=options.white_background,
        image_format=options.image_format,
        image_quality=options.image_quality,
    )
    wanted = replace(engine_options(outputs), look=look_of(options, photo))
    try:
        made = await asyncio.to_thread(
            composer.recompose, cutout.image, original, wanted, model=cutout.model
        )
    except (ImageError, BadOptionError) as exc:  # the background photo can't be read
        raise JobFailure(texts.BAD_BACKGROUND_PHOTO, f"background: {exc}") from exc
    return RemoveBgResult(
        image=made.image,
        image_format=made.image_format,
        width=made.width,
        height=made.height,
        model=cutout.model,
        mask=made.mask,
        white=made.white,
        processing_time=cutout.processing_time + made.seconds,
        request_id=cutout.request_id,
    )


def kept_key(job: Job, model: str) -> str:
    """A plain cut-out depends on the image and the model alone."""
    return f"{model}-{job.file_unique_id}"
