"""From images to a job: the choice keyboard, its toggles, and the run and redo buttons."""

from __future__ import annotations

from dataclasses import replace

from telegram import CallbackQuery, Chat, Message, User
from telegram.ext import ContextTypes

from services.contract.wire import MODELS
from storage import Batch, JobSource, JobStateError, QuotaExceededError, UserSettings

from . import fairuse, keyboards, texts
from .clock import utcnow
from .context import Deps, deps_of
from .i18n import Words, words
from .incoming import Incoming
from .speech import answering, words_for
from .status import say

CHOOSING = ("choosing",)


async def accept(
    context: ContextTypes.DEFAULT_TYPE,
    user: User,
    chat: Chat,
    reply_to: Message,
    images: list[Incoming],
    *,
    note: str | None = None,
) -> None:
    """Store the images as one batch (a job each), then ask or start at once; `note` (a text
    to translate) is said in the same message. The batch speaks the user's language."""
    deps = deps_of(context)
    await deps.db(deps.users.touch, user.id, user.username, now=utcnow())
    defaults = await _defaults(deps, user, chat)
    t = await words_for(deps, user, chat)
    sources = [_source(user, chat, image) for image in images]
    state = "choosing" if defaults.ask_each_time else "queued"
    model = None if defaults.ask_each_time else defaults.model
    quota = deps.fair.quota(user.id)
    try:
        if state == "queued":
            fairuse.check_rate(deps.fair, user.id)
        batch = await deps.db(
            deps.jobs.create,
            sources,
            options=replace(defaults.job_options(), language=t.language),
            model=model,
            state=state,
            now=utcnow(),
            quota=quota,
        )
    except (QuotaExceededError, fairuse.SlowDownError) as exc:
        await reply_to.reply_text(fairuse.explain(t, exc, deps.fair))
        return
    # one message, not two: every message counts against flood limits
    if (
        note is None
        and images[0].kind == "photo"
        and chat.type == "private"
        and await _tip_due(context, user)
    ):
        note = texts.PHOTO_TIP
    if defaults.ask_each_time:
        await ask(context, deps, batch, note)
    else:
        await start(context, deps, batch, note)


async def owned_batch(
    query: CallbackQuery, t: Words, context: ContextTypes.DEFAULT_TYPE, target: str
) -> Batch | None:
    """The batch a button acts on, if it still exists and the presser sent its images;
    otherwise None, once the presser is told why not."""
    deps = deps_of(context)
    batch = await deps.db(deps.jobs.batch, target)
    if batch is None:
        await query.answer(t(texts.STALE_BUTTON), show_alert=True)
        return None
    if batch.lead.user_id != query.from_user.id:
        await query.answer(t(texts.NOT_YOURS), show_alert=True)
        return None
    return batch


async def on_job_button(
    query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, action: keyboards.Action
) -> None:
    """Run, redo or re-ask, for the user who sent the image only."""
    t = await answering(query, context)
    batch = await owned_batch(query, t, context, action.target)
    if batch is None:
        return
    deps = deps_of(context)
    if action.kind == "run" and action.arg in MODELS:
        await _run(query, t, context, deps, batch, action.arg)
    elif action.kind in ("redo", "again") and (action.arg in MODELS or not action.arg):
        await _redo(query, t, context, deps, batch, action.arg)
    else:
        await query.answer(t(texts.STALE_BUTTON), show_alert=True)


def _waiting_note(t: Words, deps: Deps, user_id: int) -> str | None:
    """A toast at once when the job must wait: free, unlike an edit under Telegram's limits."""
    return t(texts.IN_LINE) if deps.runner.busy_for(user_id) else None


async def _run(
    query: CallbackQuery,
    t: Words,
    context: ContextTypes.DEFAULT_TYPE,
    deps: Deps,
    batch: Batch,
    model: str,
) -> None:
    user_id = query.from_user.id
    try:
        fairuse.check_rate(deps.fair, user_id)
        started = await deps.db(
            deps.jobs.change,
            batch.id,
            state="queued",
            model=model,
            from_states=CHOOSING,
            quota=deps.fair.quota(user_id),
            now=utcnow(),
        )
    except JobStateError:  # a second tap, or a tap on a finished job
        await query.answer(t(texts.ALREADY_RUNNING))
        return
    except (QuotaExceededError, fairuse.SlowDownError) as exc:
        await query.answer(fairuse.explain(t, exc, deps.fair), show_alert=True)
        return
    await query.answer(_waiting_note(t, deps, user_id))
    deps.runner.submit(context.bot, started)


async def _redo(
    query: CallbackQuery,
    t: Words,
    context: ContextTypes.DEFAULT_TYPE,
    deps: Deps,
    batch: Batch,
    model: str | None,
) -> None:
    """A new batch on the same files: a redo needs no upload."""
    user_id = query.from_user.id
    try:
        if model is not None:
            fairuse.check_rate(deps.fair, user_id)
        again = await deps.db(
            deps.jobs.create,
            [job.source for job in batch.jobs],
            options=replace(batch.lead.options, language=t.language),
            model=model,
            state="queued" if model else "choosing",
            now=utcnow(),
            quota=deps.fair.quota(user_id),
        )
    except (QuotaExceededError, fairuse.SlowDownError) as exc:
        await query.answer(fairuse.explain(t, exc, deps.fair), show_alert=True)
        return
    await query.answer(_waiting_note(t, deps, user_id) if model else None)
    if model is None:
        await ask(context, deps, again)
    else:
        await start(context, deps, again)


async def ask(
    context: ContextTypes.DEFAULT_TYPE, deps: Deps, batch: Batch, note: str | None = None
) -> None:
    t = words(batch.lead.options.language)
    markup = keyboards.choice(t, batch.id, batch.lead.options)
    count = len(batch.jobs)
    text = t(texts.CHOOSE) if count == 1 else t(texts.CHOOSE_ALBUM, count=count)
    text += f"\n\n{t(note)}" if note else ""
    lead = batch.lead
    sent = await say(context.bot, lead.chat_id, text, markup, reply_to=lead.source_message_id)
    if sent is not None:
        await deps.db(deps.jobs.change, batch.id, status_message_id=sent, now=utcnow())


async def start(
    context: ContextTypes.DEFAULT_TYPE, deps: Deps, batch: Batch, note: str | None = None
) -> None:
    lead = batch.lead
    t = words(lead.options.language)
    text = t(texts.STARTING) + (f"\n\n{t(note)}" if note else "")
    sent = await say(context.bot, lead.chat_id, text, reply_to=lead.source_message_id)
    started = await deps.db(deps.jobs.change, batch.id, status_message_id=sent, now=utcnow())
    deps.runner.submit(context.bot, started)


async def _tip_due(context: ContextTypes.DEFAULT_TYPE, user: User) -> bool:
    """Once per user: sending a file keeps full quality (an album's photos arrive at once)."""
    deps = deps_of(context)
    tipped: set[int] = context.bot_data.setdefault("tipped", set())
    if user.id in tipped:
        return False
    tipped.add(user.id)
    if not await deps.db(deps.users.photo_tip_due, user.id):
        return False
    await deps.db(deps.users.mark_photo_tip, user.id)
    return True


async def _defaults(deps: Deps, user: User, chat: Chat) -> UserSettings:
    """The user's defaults; in a group, its admins' defaults win when they set some."""
    defaults = await deps.db(deps.users.settings, user.id)
    if chat.type == "private":
        return defaults
    await deps.db(deps.chats.touch, chat.id, chat.type, chat.title, now=utcnow())
    group = await deps.db(deps.chats.group_settings, chat.id)
    return defaults if group is None else replace(group, ask_each_time=defaults.ask_each_time)


def _source(user: User, chat: Chat, image: Incoming) -> JobSource:
    return JobSource(
        user_id=user.id,
        username=user.username,
        chat_id=chat.id,
        chat_type=chat.type,
        source_message_id=image.message_id,
        file_id=image.file_id,
        file_unique_id=image.file_unique_id,
        file_name=image.file_name,
        file_size=image.file_size,
        kind=image.kind,
    )
