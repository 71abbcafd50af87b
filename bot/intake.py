"""How images come in: /start, images in private chats, /removebg, and albums in groups."""

from __future__ import annotations

import contextlib
import logging
from pathlib import PurePath

from telegram import CallbackQuery, Message, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from . import choices, jobflow, keyboards, looks, preferences, texts
from .albums import AlbumChoice
from .context import deps_of
from .delivery import DOWNLOAD_LIMIT
from .filetypes import is_image
from .incoming import Incoming
from .keyboards import Action
from .speech import answering, speaking_to

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
        t = await speaking_to(update, context)
        await message.reply_text(t(texts.START), parse_mode=ParseMode.HTML)


async def receive_image(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In a private chat, any photo or image file starts a job."""
    message = _message(update)
    await _take(update, context, message)


async def removebg(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/removebg as a reply to an image, or in an image's caption; alone, it explains itself."""
    message = _message(update)
    target = message if (message.photo or message.document) else message.reply_to_message
    if target is None or not (target.photo or target.document):
        t = await speaking_to(update, context)
        await message.reply_text(t(texts.REMOVEBG_HOWTO), parse_mode=ParseMode.HTML)
        return
    if target is not message and target.media_group_id is not None:
        await _take_from_album(update, context, target, target.media_group_id)
        return
    await _take(update, context, target)


async def observe_album(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In a group, an image that came without a command: a background the user was asked
    for, or an album's image kept for a /removebg."""
    message, chat = _message(update), update.effective_chat
    if await _as_background(update, context, message):
        return
    found = image_in(message)
    if chat is not None and message.media_group_id is not None and isinstance(found, Incoming):
        deps_of(context).albums.observe(chat.id, message.media_group_id, found)


async def choose_from_album(
    query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, action: Action
) -> None:
    """The answer to "this photo or all of the album?", from the user who asked only."""
    albums, message = deps_of(context).albums, query.message
    pending = albums.pending(message.chat.id, message.message_id) if message else None
    if pending is None or message is None:
        t = await answering(query, context)
        await query.answer(t(texts.STALE_BUTTON), show_alert=True)
        return
    if query.from_user.id != pending.user.id:
        t = await answering(query, context)
        await query.answer(t(texts.NOT_YOURS), show_alert=True)
        return
    albums.answered(message.chat.id, message.message_id)
    await query.answer()
    with contextlib.suppress(TelegramError):
        await context.bot.delete_message(message.chat.id, message.message_id)
    images = pending.album if action.arg == "all" else [pending.image]
    await jobflow.accept(context, pending.user, pending.chat, pending.target, images)


async def _take_from_album(
    update: Update, context: ContextTypes.DEFAULT_TYPE, target: Message, group_id: str
) -> None:
    """/removebg replied to one photo of an album: that one, or all the bot has heard of."""
    user, chat = update.effective_user, update.effective_chat
    found = await _checked_image(update, context, target)
    if user is None or chat is None or found is None:
        return
    album = deps_of(context).albums.seen(chat.id, group_id)
    if all(image.message_id != found.message_id for image in album):
        album = sorted([*album, found], key=lambda image: image.message_id)
    if len(album) < 2:  # privacy mode: the bot heard none of the album but this reply
        await jobflow.accept(context, user, chat, target, [found], note=texts.ALBUM_PARTLY_SEEN)
        return
    t = await speaking_to(update, context)
    asked = await _message(update).reply_text(
        t(texts.ALBUM_WHICH, count=len(album)),
        reply_markup=keyboards.album_choice(t, target.message_id, len(album)),
    )
    deps_of(context).albums.ask(asked, AlbumChoice(user, chat, target, found, album))


async def receive_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A colour typed after "Custom colour…", for a job or for /settings; other texts are not
    the bot's business."""
    message, user, chat = _message(update), update.effective_user, update.effective_chat
    awaiting = deps_of(context).awaiting
    awaited = awaiting.take(chat.id, user.id, "colour") if user and chat else None
    if awaited is None or user is None or chat is None:
        return
    t = await speaking_to(update, context)
    colour = looks.colour_of(message.text or "", t)
    if colour is None:
        awaiting.expect(chat.id, user.id, awaited)  # still waiting for one
        await message.reply_text(t(texts.NOT_A_COLOUR), parse_mode=ParseMode.HTML)
        return
    if awaited.defaults is not None:
        saved = await preferences.save_colour(context, t, awaited, user.id, chat, colour)
        if saved is not None:
            await message.reply_text(saved[0], reply_markup=saved[1])
        return
    said = await choices.set_background(context, t, awaited, colour=colour, photo=None)
    if said is not None:
        await message.reply_text(said)


async def _take(update: Update, context: ContextTypes.DEFAULT_TYPE, message: Message) -> None:
    """Start a job on the image in `message` (an album's images together), or say why not;
    an image the user was asked for as a background becomes that instead."""
    user, chat = update.effective_user, update.effective_chat
    if await _as_background(update, context, message):
        return
    albums = deps_of(context).albums
    in_album = message.media_group_id if message is _message(update) else None
    with albums.checking(chat.id if chat else 0, in_album):
        found = await _checked_image(update, context, message)
    if user is None or chat is None or found is None:
        return
    if in_album is not None:
        albums.add(context, user, chat, message, found)
    else:
        await jobflow.accept(context, user, chat, message, [found])


async def _as_background(
    update: Update, context: ContextTypes.DEFAULT_TYPE, message: Message
) -> bool:
    """True when the image is one the user was asked for as a job's background, now taken
    (or refused, and still awaited)."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return False
    awaiting = deps_of(context).awaiting
    awaited = awaiting.take(chat.id, user.id, "photo")
    if awaited is None:
        return False
    found = await _checked_image(update, context, message)
    if found is None:
        awaiting.expect(chat.id, user.id, awaited)
        return True
    t = await speaking_to(update, context)
    said = await choices.set_background(context, t, awaited, colour=None, photo=found.file_id)
    if said is not None:
        await _message(update).reply_text(said)
    return True


async def _checked_image(
    update: Update, context: ContextTypes.DEFAULT_TYPE, message: Message
) -> Incoming | None:
    """The image in `message`, checked down to its first bytes; None once the user is told why
    it can't be done."""
    found = image_in(message)
    if isinstance(found, str):
        t = await speaking_to(update, context)
        await _message(update).reply_text(t(found))
        return None
    if not await _sniffed_image(context, found):
        t = await speaking_to(update, context)
        await _message(update).reply_text(t(texts.NOT_AN_IMAGE))
        return None
    return found


async def _sniffed_image(context: ContextTypes.DEFAULT_TYPE, found: Incoming) -> bool:
    """A file's first bytes are an image's (Telegram re-encodes photos: they always are)."""
    if found.kind == "photo":
        return True
    head = await deps_of(context).sniffer.head(context.bot, found.file_id)
    return head is None or is_image(head)


def image_in(message: Message) -> Incoming | str:
    """The image a message carries (the largest photo size, or a file), or why it isn't one
    (a text, to be translated)."""
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
