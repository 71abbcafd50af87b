"""/settings: the user's defaults, changed in place with buttons."""

from __future__ import annotations

from dataclasses import replace

from telegram import CallbackQuery, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from services.removebg.wire import OutputOptions
from storage import UserSettings

from . import keyboards, texts
from .context import deps_of
from .runner import utcnow


async def show_settings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show the user's defaults with buttons that change them."""
    deps = deps_of(context)
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    await deps.db(deps.users.touch, user.id, user.username, now=utcnow())
    current = await deps.db(deps.users.settings, user.id)
    await message.reply_text(
        texts.SETTINGS, parse_mode=ParseMode.HTML, reply_markup=_markup(current)
    )


async def change_setting(
    query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, what: str
) -> None:
    """Flip one setting, save it, and redraw the buttons."""
    deps = deps_of(context)
    user_id = query.from_user.id
    current = await deps.db(deps.users.settings, user_id)
    try:
        changed = changed_setting(current, what)
    except ValueError:
        await query.answer(texts.STALE_BUTTON, show_alert=True)
        return
    await deps.db(deps.users.save_settings, user_id, changed, now=utcnow())
    await query.answer(texts.SETTINGS_SAVED)
    await query.edit_message_reply_markup(_markup(changed))


def changed_setting(current: UserSettings, what: str) -> UserSettings:
    if what == "model":
        return replace(current, model="precise" if current.model == "fast" else "fast")
    if what == "ask":
        return replace(current, ask_each_time=not current.ask_each_time)
    options = keyboards.toggled(_options(current), what)  # ValueError for anything else
    return replace(
        current,
        binary_mask=options.binary_mask,
        white_background=options.white_background,
        image_format=options.image_format or "png",
        image_quality=options.image_quality,
    )


def _options(settings: UserSettings) -> OutputOptions:
    return OutputOptions.model_validate(settings.job_options())


def _markup(settings: UserSettings) -> keyboards.InlineKeyboardMarkup:
    return keyboards.settings(settings.model, _options(settings), settings.ask_each_time)
