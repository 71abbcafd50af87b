"""Choices on a job's keyboard besides the model: the toggles, the background and crop menus,
a colour or a photo the user sends for the background, and new looks on a result."""

from __future__ import annotations

import contextlib
from dataclasses import replace

from telegram import CallbackQuery
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from storage import Batch, JobStateError, QuotaExceededError

from . import fairuse, keyboards, texts
from .awaiting import Awaited
from .clock import utcnow
from .context import deps_of
from .i18n import Words
from .jobflow import CHOOSING, ask, owned_batch, start
from .speech import answering
from .status import say

MENUS = {"bgmenu": keyboards.background_menu, "cropmenu": keyboards.crop_menu}
ASKS = {"bgcustom": ("colour", texts.ASK_COLOUR), "bgphoto": ("photo", texts.ASK_PHOTO)}


async def on_choice_button(
    query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, action: keyboards.Action
) -> None:
    """A toggle or menu on a job choosing its model, or a new look on a result."""
    t = await answering(query, context)
    batch = await owned_batch(query, t, context, action.target)
    if batch is None:
        return
    if action.kind == "opt" and action.arg:
        await toggle(query, t, context, batch, action.arg)
    elif action.kind == "look" and action.arg and batch.lead.finished and batch.lead.model:
        await new_look(query, t, context, batch, batch.lead.model, action.arg)
    else:
        await query.answer(t(texts.STALE_BUTTON), show_alert=True)


async def toggle(
    query: CallbackQuery, t: Words, context: ContextTypes.DEFAULT_TYPE, batch: Batch, what: str
) -> None:
    """A toggle, a menu, or a choice in a menu, on a job still choosing its model."""
    deps = deps_of(context)
    if batch.lead.state != "choosing":
        await query.answer(t(texts.ALREADY_RUNNING))
        return
    if what in MENUS or what == "back":
        await query.answer()
        menu = MENUS.get(what, keyboards.choice)
        await query.edit_message_reply_markup(menu(t, batch.id, batch.lead.options))
        return
    if what in ASKS:
        await query.answer()
        await _ask_for(context, t, batch, what)
        return
    try:
        options = keyboards.toggled_job(batch.lead.options, what)
        await deps.db(
            deps.jobs.change, batch.id, options=options, from_states=CHOOSING, now=utcnow()
        )
    except ValueError:
        await query.answer(t(texts.STALE_BUTTON), show_alert=True)
        return
    except JobStateError:  # Fast or Precise was tapped meanwhile
        await query.answer(t(texts.ALREADY_RUNNING))
        return
    await query.answer()
    await query.edit_message_reply_markup(keyboards.choice(t, batch.id, options))


async def new_look(
    query: CallbackQuery,
    t: Words,
    context: ContextTypes.DEFAULT_TYPE,
    batch: Batch,
    model: str,
    what: str,
) -> None:
    """On a result: a menu, or a new background or crop composed on the kept cut-outs, as a
    new batch that runs no model (if a cut-out is gone, the model runs again)."""
    deps = deps_of(context)
    if what in MENUS or what == "back":
        await query.answer()
        if what == "back":
            markup = keyboards.result(t, batch.id, model)
        else:
            markup = MENUS[what](t, batch.id, batch.lead.options, "look")
        await query.edit_message_reply_markup(markup)
        return
    base = replace(batch.lead.options, recompose=True, language=t.language)
    try:
        options = base if what in ASKS else keyboards.toggled_job(base, what)
        fairuse.check_rate(deps.fair, query.from_user.id)
        again = await deps.db(
            deps.jobs.create,
            [job.source for job in batch.jobs],
            options=options,
            model=None if what in ASKS else model,
            state="choosing" if what in ASKS else "queued",
            now=utcnow(),
            quota=deps.fair.quota(query.from_user.id),
        )
    except ValueError:
        await query.answer(t(texts.STALE_BUTTON), show_alert=True)
        return
    except (QuotaExceededError, fairuse.SlowDownError) as exc:
        await query.answer(fairuse.explain(t, exc, deps.fair), show_alert=True)
        return
    await query.answer()
    await query.edit_message_reply_markup(keyboards.result(t, batch.id, model))
    if what not in ASKS:
        await start(context, deps, again)
        return
    await ask(context, deps, again)
    await _ask_for(context, t, again, what)


async def _ask_for(context: ContextTypes.DEFAULT_TYPE, t: Words, batch: Batch, what: str) -> None:
    """Wait for the colour or photo `what` asks for, for `batch`, and ask the user for it."""
    awaited, prompt = ASKS[what]
    lead = batch.lead
    deps_of(context).awaiting.expect(lead.chat_id, lead.user_id, Awaited(batch.id, awaited))
    await say(context.bot, lead.chat_id, t(prompt), reply_to=lead.source_message_id)


async def set_background(
    context: ContextTypes.DEFAULT_TYPE,
    t: Words,
    awaited: Awaited,
    *,
    colour: str | None,
    photo: str | None,
) -> str | None:
    """The awaited colour or photo (a file id) becomes the job's background, and its keyboard
    says so; the message to reply with, or None when the job has moved on meanwhile."""
    deps = deps_of(context)
    batch = await deps.db(deps.jobs.batch, awaited.batch_id)
    if batch is None or batch.lead.state != "choosing":
        return None
    background = colour if colour is not None else "photo"
    options = replace(batch.lead.options, background=background, background_photo=photo)
    try:
        batch = await deps.db(
            deps.jobs.change, batch.id, options=options, from_states=CHOOSING, now=utcnow()
        )
    except JobStateError:
        return None
    lead = batch.lead
    if lead.status_message_id is not None:
        with contextlib.suppress(TelegramError):
            await context.bot.edit_message_reply_markup(
                lead.chat_id,
                lead.status_message_id,
                reply_markup=keyboards.choice(t, batch.id, options),
            )
    name = keyboards.background_name(t, options)
    return t(texts.COLOUR_SET, name=name) if colour is not None else t(texts.PHOTO_SET)
