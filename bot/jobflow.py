"""From an image to a job: the choice keyboard, its toggles, and the run and redo buttons."""

from __future__ import annotations

from dataclasses import dataclass, replace

from telegram import CallbackQuery, Update
from telegram.ext import ContextTypes

from services.removebg.wire import OutputOptions
from storage import Job, JobSource, JobStateError

from . import keyboards, texts
from .context import Deps, deps_of
from .messages import say
from .runner import utcnow

CHOOSING = ("choosing",)


@dataclass(frozen=True)
class Incoming:
    message_id: int  # the message that carries the image; results reply to it
    file_id: str
    file_unique_id: str
    file_name: str | None
    file_size: int | None
    kind: str  # photo | document


async def accept(update: Update, context: ContextTypes.DEFAULT_TYPE, incoming: Incoming) -> None:
    """Store the job, then ask for a model or, with "ask each time" off, start at once."""
    deps = deps_of(context)
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    assert message is not None
    assert user is not None
    assert chat is not None
    await deps.db(deps.users.touch, user.id, user.username, now=utcnow())
    defaults = await deps.db(deps.users.settings, user.id)
    if chat.type != "private":  # a group's defaults, when its admins set some, win
        await deps.db(deps.chats.touch, chat.id, chat.type, chat.title, now=utcnow())
        group = await deps.db(deps.chats.group_settings, chat.id)
        if group is not None:
            defaults = replace(group, ask_each_time=defaults.ask_each_time)
    source = JobSource(
        user_id=user.id,
        username=user.username,
        chat_id=chat.id,
        chat_type=chat.type,
        source_message_id=incoming.message_id,
        file_id=incoming.file_id,
        file_unique_id=incoming.file_unique_id,
        file_name=incoming.file_name,
        file_size=incoming.file_size,
        kind=incoming.kind,
    )
    job = await deps.db(
        deps.jobs.create,
        source,
        options=defaults.job_options(),
        model=None if defaults.ask_each_time else defaults.model,
        state="choosing" if defaults.ask_each_time else "queued",
        now=utcnow(),
    )
    if defaults.ask_each_time:
        await _ask(context, deps, job)
    else:
        await _start(context, deps, job, texts.STARTING)


async def on_job_button(
    query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, action: keyboards.Action
) -> None:
    """Run, toggle, redo or re-ask, for the user who sent the image only."""
    deps = deps_of(context)
    job = await deps.db(deps.jobs.get, action.target)
    if job is None:
        await query.answer(texts.STALE_BUTTON, show_alert=True)
        return
    if job.user_id != query.from_user.id:
        await query.answer(texts.NOT_YOURS, show_alert=True)
        return
    if action.kind == "opt" and action.arg:
        await _toggle(query, deps, job, action.arg)
    elif action.kind == "run" and action.arg in texts.MODEL_NAMES:
        await _run(query, context, deps, job, action.arg)
    elif action.kind == "redo" and action.arg in texts.MODEL_NAMES:
        await query.answer()
        again = await _clone(deps, job, model=action.arg, state="queued")
        await _start(context, deps, again, texts.STARTING)
    elif action.kind == "again":
        await query.answer()
        await _ask(context, deps, await _clone(deps, job, model=None, state="choosing"))
    else:
        await query.answer(texts.STALE_BUTTON, show_alert=True)


async def _toggle(query: CallbackQuery, deps: Deps, job: Job, what: str) -> None:
    if job.state != "choosing":
        await query.answer(texts.ALREADY_RUNNING)
        return
    try:
        options = keyboards.toggled(OutputOptions.model_validate(job.options), what)
    except ValueError:
        await query.answer(texts.STALE_BUTTON, show_alert=True)
        return
    try:
        await deps.db(
            deps.jobs.update,
            job.id,
            options=options.model_dump(),
            now=utcnow(),
            from_states=CHOOSING,
        )
    except JobStateError:  # Fast or Precise was tapped meanwhile
        await query.answer(texts.ALREADY_RUNNING)
        return
    await query.answer()
    await query.edit_message_reply_markup(keyboards.choice(job.id, options))


async def _run(
    query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, deps: Deps, job: Job, model: str
) -> None:
    try:
        started = await deps.db(
            deps.jobs.set_state, job.id, "queued", model=model, now=utcnow(), from_states=CHOOSING
        )
    except JobStateError:  # a second tap, or a tap on a finished job
        await query.answer(texts.ALREADY_RUNNING)
        return
    await query.answer()
    deps.runner.submit(context.bot, started)


async def _ask(context: ContextTypes.DEFAULT_TYPE, deps: Deps, job: Job) -> None:
    markup = keyboards.choice(job.id, OutputOptions.model_validate(job.options))
    sent = await say(
        context.bot, job.chat_id, texts.CHOOSE, markup, reply_to=job.source_message_id
    )
    if sent is not None:
        await deps.db(deps.jobs.update, job.id, status_message_id=sent, now=utcnow())


async def _start(context: ContextTypes.DEFAULT_TYPE, deps: Deps, job: Job, status: str) -> None:
    sent = await say(context.bot, job.chat_id, status, reply_to=job.source_message_id)
    started = await deps.db(deps.jobs.update, job.id, status_message_id=sent, now=utcnow())
    deps.runner.submit(context.bot, started)


async def _clone(deps: Deps, job: Job, *, model: str | None, state: str) -> Job:
    """A new job on the same file: a redo needs no upload."""
    source = JobSource(
        user_id=job.user_id,
        username=job.username,
        chat_id=job.chat_id,
        chat_type=job.chat_type,
        source_message_id=job.source_message_id,
        file_id=job.file_id,
        file_unique_id=job.file_unique_id,
        file_name=job.file_name,
        file_size=job.file_size,
        kind=job.kind,
    )
    return await deps.db(
        deps.jobs.create,
        source,
        options=job.options,
        model=model,
        state=state,
        now=utcnow(),
    )
