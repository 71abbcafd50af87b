"""Handlers for commands and images: each replies, then hands work on."""

from __future__ import annotations

import logging
from pathlib import PurePath

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from . import jobflow, texts
from .context import deps_of
from .delivery import DOWNLOAD_LIMIT

log = logging.getLogger(__name__)
IMAGE_SUFFIXES = {
    ".jpg",
    ".jpeg",
    ".jfif",
    ".png",
    ".webp",
    ".gif",
    ".bmp",
    ".tif",
    ".tiff",
    ".heic",
    ".heif",
    ".avif",
}


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say what the bot does, with an example."""
    message = update.effective_message
    if message is not None:
        await message.reply_text(texts.START, parse_mode=ParseMode.HTML)


async def receive_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A photo starts a job with its largest size; the full-quality tip is given once."""
    message = _message(update)
    photo = message.photo[-1]
    incoming = jobflow.Incoming(
        photo.file_id, photo.file_unique_id, None, photo.file_size, "photo"
    )
    await jobflow.accept(update, context, incoming)
    deps = deps_of(context)
    user_id = update.effective_user.id if update.effective_user else 0
    if await deps.db(deps.users.photo_tip_due, user_id):
        await deps.db(deps.users.mark_photo_tip, user_id)
        await message.reply_text(texts.PHOTO_TIP)


async def receive_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An image sent as a file starts a job at full quality; anything else is explained."""
    message = _message(update)
    document = message.document
    assert document is not None  # the handler's filter
    if document.file_size and document.file_size > DOWNLOAD_LIMIT:
        await message.reply_text(texts.TOO_BIG)
        return
    if not looks_like_image(document.mime_type, document.file_name):
        await message.reply_text(texts.NOT_AN_IMAGE)
        return
    incoming = jobflow.Incoming(
        document.file_id,
        document.file_unique_id,
        document.file_name,
        document.file_size,
        "document",
    )
    await jobflow.accept(update, context, incoming)


def looks_like_image(mime_type: str | None, file_name: str | None) -> bool:
    """Worth downloading: an image type, or an unknown type with an image's name.

    The engine still checks the content, so a text file renamed .jpg is caught there.
    """
    if mime_type and mime_type.startswith("image/"):
        return True
    unknown = mime_type in (None, "", "application/octet-stream")
    return unknown and PurePath(file_name or "").suffix.lower() in IMAGE_SUFFIXES


def _message(update: Update) -> Message:
    message = update.effective_message
    assert message is not None  # every handler here is registered for messages
    return message
