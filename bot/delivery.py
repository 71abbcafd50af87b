"""Files in and out: the user's image from Telegram, the results back as documents."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

from telegram import Bot, InputMediaDocument
from telegram.error import TelegramError

from services.removebg import RemoveBgResult
from storage import Job

from . import texts
from .failures import JobFailure, from_telegram

DOWNLOAD_LIMIT = 20 * 1024 * 1024  # the Bot API's limit for getFile


@dataclass(frozen=True)
class Output:
    kind: str  # cutout | mask | white
    name: str
    data: bytes


async def download(bot: Bot, job: Job) -> bytes:
    if job.file_size and job.file_size > DOWNLOAD_LIMIT:
        raise JobFailure(texts.TOO_BIG, "too large")
    try:
        file = await bot.get_file(job.file_id)
        return bytes(await file.download_as_bytearray())
    except TelegramError as exc:
        raise from_telegram(exc) from exc


def outputs(job: Job, result: RemoveBgResult) -> list[Output]:
    """`name.png`, `name_mask.jpg` and `name_white.jpg`, named after the original."""
    stem = base_name(job)
    files = [Output("cutout", f"{stem}.{result.image_format}", result.image)]
    if result.mask is not None:
        files.append(Output("mask", f"{stem}_mask.jpg", result.mask))
    if result.white is not None:
        files.append(Output("white", f"{stem}_white.jpg", result.white))
    return files


async def send(bot: Bot, job: Job, result: RemoveBgResult) -> list[Output]:
    """One document, or one album of documents, as a reply to the original."""
    files = outputs(job, result)
    caption = f"{texts.MODEL_NAMES[result.model]} · {result.processing_time:.1f} s"
    try:
        if len(files) == 1:
            await bot.send_document(
                job.chat_id,
                files[0].data,
                filename=files[0].name,
                caption=caption,
                reply_to_message_id=job.source_message_id,
                allow_sending_without_reply=True,
                disable_content_type_detection=True,
            )
        else:
            media = [
                InputMediaDocument(
                    f.data,
                    filename=f.name,
                    caption=caption if i == len(files) - 1 else None,
                    disable_content_type_detection=True,
                )
                for i, f in enumerate(files)
            ]
            await bot.send_media_group(
                job.chat_id,
                media,
                reply_to_message_id=job.source_message_id,
                allow_sending_without_reply=True,
            )
    except TelegramError as exc:
        raise from_telegram(exc) from exc
    return files


def base_name(job: Job) -> str:
    """The original's name without its extension, or `photo_<date>` for photos."""
    if job.file_name:
        stem = PurePath(job.file_name).stem.strip()
        safe = "".join(c if c.isalnum() or c in "-_. " else "_" for c in stem)[:60]
        if safe.strip("._ "):
            return safe
    return f"photo_{job.created_at:%Y-%m-%d}_{job.id[:6]}"
