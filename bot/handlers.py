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
from .filetypes import is_image
from .incoming import Incoming

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


async def receive_image(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In a private chat, any photo or image file starts a job."""
    message = _message(update)
    await _take(update, context, message)


async def removebg(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/removebg as a reply to an image, or in an image's caption; alone, it explains itself."""
    message = _message(update)
    target = message if (message.photo or message.document) else message.reply_to_message
    if target is None or not (target.photo or target.document):
        await message.reply_text(texts.REMOVEBG_HOWTO, parse_mode=ParseMode.HTML)
        return
    await _take(update, context, target)


async def _take(update: Update, context: ContextTypes.DEFAULT_TYPE, message: Message) -> None:
    """Start a job on the image in `message` (an album's images together), or say why not."""
    found = image_in(message)
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    if isinstance(found, str):
        await _message(update).reply_text(found)
        return
    if not await _sniffed_image(context, found):
        await _message(update).reply_text(texts.NOT_AN_IMAGE)
        return
    if message.media_group_id is not None and message is _message(update):
        deps_of(context).albums.add(context, user, chat, message, found)
    else:
        await jobflow.accept(context, user, chat, message, [found])


async def _sniffed_image(context: ContextTypes.DEFAULT_TYPE, found: Incoming) -> bool:
    """A file's first bytes are an image's (Telegram re-encodes photos: they always are)."""
    if found.kind == "photo":
        return True
    head = await deps_of(context).sniffer.head(context.bot, found.file_id)
    return head is None or is_image(head)


def image_in(message: Message) -> Incoming | str:
    """The image a message carries (the largest photo size, or a file), or why it isn't one."""
    if message.photo:
        photo = message.photo[-1]
        return Incoming(
            message.message_id, photo.file_id, photo.file_unique_id, None, photo.file_size, "photo"
        )
    document = message.document
    if document is None:
        return texts.REMOVEBG_HOWTO
    if document.file_size and document.file_size > DOWNLOAD_LIMIT:
        return texts.TOO_BIG
    if not looks_like_image(document.mime_type, document.file_name):
        return texts.NOT_AN_IMAGE
    return Incoming(
        message.message_id,
        document.file_id,
        document.file_unique_id,
        document.file_name,
        document.file_size,
        "document",
    )


def looks_like_image(mime_type: str | None, file_name: str | None) -> bool:
    """Worth downloading: an image type, or an unknown type with an image's name.

    Its first bytes are checked next (`filetypes`), before any choice is offered.
    """
    if mime_type and mime_type.startswith("image/"):
        return True
    unknown = mime_type in (None, "", "application/octet-stream")
    return unknown and PurePath(file_name or "").suffix.lower() in IMAGE_SUFFIXES


def _message(update: Update) -> Message:
    message = update.effective_message
    assert message is not None  # every handler here is registered for messages
    return message
