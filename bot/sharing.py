"""Inline mode: a user's recent cut-outs and stickers, ready to post into any chat."""

from __future__ import annotations

from babel.dates import format_datetime
from telegram import (
    InlineQueryResultCachedDocument,
    InlineQueryResultCachedSticker,
    InputSticker,
    Update,
)
from telegram.constants import StickerFormat
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from storage import Result

from . import stickers, texts
from .clock import utcnow
from .context import deps_of
from .i18n import Words
from .speech import answering, words_for

RECENT = 20
Answer = InlineQueryResultCachedDocument | InlineQueryResultCachedSticker


async def share(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer an inline query with the asker's own recent results."""
    query = update.inline_query
    if query is None:
        return
    deps = deps_of(context)
    recent = await deps.db(deps.results.recent, query.from_user.id, limit=RECENT)
    wanted = query.query.lower().split()
    chosen = [r for r in recent if all(w in (r.file_name or "").lower() for w in wanted)]
    t = await words_for(deps, query.from_user, None)
    await query.answer([_answer(t, r) for r in chosen], cache_time=5, is_personal=True)


def _answer(t: Words, result: Result) -> Answer:
    if result.kind == "sticker":
        return InlineQueryResultCachedSticker(f"r{result.id}", result.file_id)
    return InlineQueryResultCachedDocument(
        f"r{result.id}",
        result.file_name or t(texts.CUTOUT),
        result.file_id,
        description=f"{format_datetime(result.created_at, 'short', locale=t.locale)} UTC",
    )


async def add_sticker(update: Update, context: ContextTypes.DEFAULT_TYPE, job_id: str) -> None:
    """Put a sent sticker into the user's own set, creating the set the first time."""
    query = update.callback_query
    assert query is not None
    deps, user = deps_of(context), query.from_user
    t = await answering(query, context)
    job = await deps.db(deps.jobs.get, job_id)
    if job is None or job.user_id != user.id:
        await query.answer(t(texts.NOT_YOURS if job else texts.STALE_BUTTON), show_alert=True)
        return
    recent = await deps.db(deps.results.recent, user.id, limit=200, kinds=("sticker",))
    found = next((r for r in recent if r.job_id == job_id), None)
    if found is None:
        await query.answer(t(texts.STALE_BUTTON), show_alert=True)
        return
    sticker = InputSticker(found.file_id, [stickers.EMOJI], StickerFormat.STATIC)
    name = stickers.set_name(user.id, context.bot.username)
    existing = await deps.db(deps.sticker_sets.get, user.id)
    try:
        if existing is None:
            title = stickers.set_title(t(texts.STICKER_SET_TITLE, name=user.first_name))
            await context.bot.create_new_sticker_set(user.id, name, title, [sticker])
            await deps.db(deps.sticker_sets.created, user.id, name, now=utcnow())
        else:
            await context.bot.add_sticker_to_set(user.id, existing.name, sticker)
            await deps.db(deps.sticker_sets.added, user.id, now=utcnow())
    except TelegramError:
        await query.answer(t(texts.STICKER_FAILED), show_alert=True)
        return
    link = f"https://t.me/addstickers/{existing.name if existing else name}"
    await query.answer(t(texts.STICKER_ADDED, link=link), show_alert=True)
