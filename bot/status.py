"""The job's status message, edited through its stages."""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError

from storage import Job

log = logging.getLogger(__name__)


async def edit_status(
    bot: Bot,
    job: Job,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    last: bool = False,
) -> None:
    """Show `text` in the job's status message; a failed edit never fails the job.

    When the status message is gone and this is the `last` word, it is sent anew.
    """
    if job.status_message_id is not None:
        try:
            await bot.edit_message_text(
                text,
                chat_id=job.chat_id,
                message_id=job.status_message_id,
                reply_markup=markup,
                parse_mode=ParseMode.HTML,
            )
            return
        except BadRequest as exc:
            if "not modified" in exc.message:
                return
            log.info("status of job %s not edited: %s", job.id, exc.message)
        except Forbidden:
            return
        except TelegramError as exc:
            log.info("status of job %s not edited: %s", job.id, exc)
    if last:
        await say(bot, job.chat_id, text, markup, reply_to=job.source_message_id)


async def say(
    bot: Bot,
    chat_id: int,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    reply_to: int | None = None,
) -> int | None:
    """Send a message; None when Telegram refuses (blocked, chat gone)."""
    try:
        message = await bot.send_message(
            chat_id,
            text,
            reply_markup=markup,
            parse_mode=ParseMode.HTML,
            reply_to_message_id=reply_to,
            allow_sending_without_reply=True,
        )
    except TelegramError as exc:
        log.info("message to chat %s not sent: %s", chat_id, exc)
        return None
    return message.message_id


class StatusLine:
    """A job's status message, edited in the background and in order, so that a slow or
    rate-limited edit never holds up the work; `settle` waits for the edits so far."""

    def __init__(self, bot: Bot, job: Job) -> None:
        self._bot = bot
        self._job = job
        self._last: asyncio.Task[None] | None = None

    def show(self, text: str) -> None:
        previous = self._last

        async def edit() -> None:
            if previous is not None:
                await asyncio.gather(previous, return_exceptions=True)
            await edit_status(self._bot, self._job, text)

        self._last = asyncio.create_task(edit())

    async def settle(self) -> None:
        if self._last is not None:
            await asyncio.gather(self._last, return_exceptions=True)
