"""The bot's backgrounds and crops: a colour a user types, the look the composer makes from a
job's options, and composing it on a plain cut-out."""

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
from .palette import NAMED

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
