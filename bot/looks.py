"""The bot's backgrounds and crops: a colour a user types, the look the composer makes from a
job's options, and composing it on a plain cut-out."""

from __future__ import annotations

import asyncio
import unicodedata
from dataclasses import replace

from telegram import Bot

from services.contract import OutputOptions, RemoveBgResult
from services.contract.local import engine_options, result_of
from services.contract.wire import Model
from services.engine import BadOptionError, ImageError
from services.engine.backgrounds import Background, Blur, Colour, Photo
from services.engine.composer import Composer
from services.engine.crops import Crop
from services.engine.looks import Look
from storage import Job, JobOptions

from . import texts
from .delivery import download_file
from .failures import JobFailure
from .i18n import Words
from .palette import NAMED

MARGIN = 5.0  # percent of the subject's longer side, around every crop the bot makes


def colour_of(text: str, t: Words) -> str | None:
    """A typed colour as #RRGGBB: a name in English or in `t`'s language, or a hex code
    (#FF8800, ff8800, #f80); else None."""
    cleaned = _folded(text)
    named = {
        _folded(word): colour
        for name, colour in NAMED.items()
        for word in t(name).split(",")  # a language may give a colour several names
    } | NAMED
    if cleaned in named:
        return named[cleaned]
    try:
        return Colour.parse("".join(text.split())).hex
    except BadOptionError:
        return None


def _folded(text: str) -> str:
    """A name as typed, compared without case, accents, spaces or hyphens ("Doré" is "dore")."""
    bare = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in bare if c.isalnum() and not unicodedata.combining(c))


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


def outputs_of(options: JobOptions) -> OutputOptions:
    """The files the user wants, in the contract's terms."""
    return OutputOptions(
        binary_mask=options.binary_mask,
        white_background=options.white_background,
        image_format=options.image_format,
        image_quality=options.image_quality,
    )


async def compose(
    bot: Bot,
    composer: Composer,
    job: Job,
    original: bytes | None,
    cutout: bytes,
    *,
    model: Model,
    spent: float = 0.0,
) -> RemoveBgResult:
    """The job's files, with its background and crop laid onto a plain cut-out here,
    whatever the backend: the same result from our engine, our server or Ximilar's cloud.
    Runs off the loop. `original` is needed for a blurred background only; `spent` is the
    time the cut-out took."""
    options = job.options
    photo = None
    if options.background_photo is not None:
        photo = await download_file(bot, options.background_photo)
    wanted = replace(engine_options(outputs_of(options)), look=look_of(options, photo))
    try:
        made = await asyncio.to_thread(composer.recompose, cutout, original, wanted)
    except (ImageError, BadOptionError) as exc:  # the background photo can't be read
        raise JobFailure(texts.BAD_BACKGROUND_PHOTO, f"background: {exc}") from exc
    return result_of(made, model, seconds=spent + made.seconds)


def kept_key(job: Job, model: str) -> str:
    """A plain cut-out depends on the image and the model alone."""
    return f"{model}-{job.file_unique_id}"
