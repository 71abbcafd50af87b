"""Files in and out: the user's image from Telegram, the results back as documents."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

from telegram import Bot, InputMediaDocument, Message
from telegram.error import TelegramError

from services.contract import RemoveBgResult
from storage import Job

from . import keyboards, stickers, texts
from .failures import JobFailure, from_telegram
from .i18n import Words

log = logging.getLogger(__name__)
DOWNLOAD_LIMIT = 20 * 1024 * 1024  # the Bot API's limit for getFile
ALBUM_MAX = 10  # documents per album


@dataclass(frozen=True)
class Output:
    job: Job
    kind: str  # cutout | mask | white
    name: str
    data: bytes


@dataclass(frozen=True)
class Sent:
    output: Output
    message: Message


async def download(bot: Bot, job: Job) -> bytes:
    if job.file_size and job.file_size > DOWNLOAD_LIMIT:
        raise JobFailure(texts.TOO_BIG, "too large")
    return await download_file(bot, job.file_id)


async def download_file(bot: Bot, file_id: str) -> bytes:
    try:
        file = await bot.get_file(file_id)
        return bytes(await file.download_as_bytearray())
    except TelegramError as exc:
        raise from_telegram(exc) from exc


async def send_sticker(bot: Bot, t: Words, job: Job, result: RemoveBgResult) -> tuple[Sent, ...]:
    """The cut-out as a sticker too; the files already went, so a failure is only logged."""
    webp = await asyncio.to_thread(stickers.to_sticker, result.image)
    output = Output(job, "sticker", f"{base_name(job)}.webp", webp)
    try:
        message = await bot.send_sticker(
            job.chat_id,
            webp,
            reply_to_message_id=job.source_message_id,
            allow_sending_without_reply=True,
            reply_markup=keyboards.sticker(t, job.id),
        )
    except TelegramError as exc:
        log.info("sticker for job %s not sent: %s", job.id, exc)
        return ()
    return (Sent(output, message),)


def outputs(job: Job, result: RemoveBgResult) -> list[Output]:
    """`name.png`, `name_mask.jpg` and `name_white.jpg`, named after the original."""
    stem = base_name(job)
    files = [Output(job, "cutout", f"{stem}.{result.image_format}", result.image)]
    if result.mask is not None:
        files.append(Output(job, "mask", f"{stem}_mask.jpg", result.mask))
    if result.white is not None:
        files.append(Output(job, "white", f"{stem}_white.jpg", result.white))
    return files


async def send(bot: Bot, lead: Job, files: Sequence[Output], caption: str) -> list[Sent]:
    """One document, or albums of up to ten documents, as a reply to the (first) original."""
    chunks = [files[i : i + ALBUM_MAX] for i in range(0, len(files), ALBUM_MAX)]
    sent: list[Sent] = []
    try:
        for n, chunk in enumerate(chunks):
            text = caption if n == len(chunks) - 1 else None
            messages = await _send_chunk(bot, lead, chunk, text)
            sent += [
                Sent(output, message) for output, message in zip(chunk, messages, strict=True)
            ]
    except TelegramError as exc:
        raise from_telegram(exc) from exc
    return sent


async def _send_chunk(
    bot: Bot, lead: Job, chunk: Sequence[Output], caption: str | None
) -> Sequence[Message]:
    if len(chunk) == 1:
        message = await bot.send_document(
            lead.chat_id,
            chunk[0].data,
            filename=chunk[0].name,
            caption=caption,
            reply_to_message_id=lead.source_message_id,
            allow_sending_without_reply=True,
            disable_content_type_detection=True,
        )
        return [message]
    media = [
        InputMediaDocument(
            output.data,
            filename=output.name,
            caption=caption if i == len(chunk) - 1 else None,
            disable_content_type_detection=True,
        )
        for i, output in enumerate(chunk)
    ]
    return await bot.send_media_group(
        lead.chat_id,
        media,
        reply_to_message_id=lead.source_message_id,
        allow_sending_without_reply=True,
    )


def base_name(job: Job) -> str:
    """The original's name without its extension, or `photo_<date>` for photos."""
    if job.file_name:
        stem = PurePath(job.file_name).stem.strip()
        safe = "".join(c if c.isalnum() or c in "-_. " else "_" for c in stem)[:60]
        if safe.strip("._ "):
            return safe
    return f"photo_{job.created_at:%Y-%m-%d}_{job.id[:6]}"
