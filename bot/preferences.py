"""/settings: a user's defaults in private, a group's defaults for its admins."""

from __future__ import annotations

from dataclasses import replace

from telegram import Bot, CallbackQuery, Update
from telegram.constants import ChatMemberStatus, ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from services.contract.wire import MODELS
from storage import UserSettings

from . import keyboards, texts
from .clock import utcnow
from .context import Deps, deps_of
from .i18n import Words
from .speech import answering, words_for

ADMINS = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


async def show_settings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show the defaults with buttons that change them: the user's, or the group's."""
    deps = deps_of(context)
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None:
        return
    await deps.db(deps.users.touch, user.id, user.username, now=utcnow())
    t = await words_for(deps, user, chat)
    if chat.type == "private":
        current = await deps.db(deps.users.settings, user.id)
        markup = keyboards.settings(t, str(user.id), current, group=False)
        await message.reply_text(t(texts.SETTINGS), parse_mode=ParseMode.HTML, reply_markup=markup)
    elif await is_admin(context.bot, chat.id, user.id):
        await deps.db(deps.chats.touch, chat.id, chat.type, chat.title, now=utcnow())
        defaults = await _group_settings(deps, chat.id)
        markup = keyboards.settings(t, str(chat.id), defaults, group=True)
        await message.reply_text(
            t(texts.GROUP_SETTINGS), parse_mode=ParseMode.HTML, reply_markup=markup
        )
    else:
        await message.reply_text(t(texts.GROUP_SETTINGS_ADMINS_ONLY))


async def change_setting(
    query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, action: keyboards.Action
) -> None:
    """Flip one setting, save it, and redraw the buttons; only for its owner."""
    deps = deps_of(context)
    t = await answering(query, context)
    if action.kind == "set" and action.target != str(query.from_user.id):
        await query.answer(t(texts.NOT_YOURS), show_alert=True)
        return
    if action.kind == "gset":
        await _change_group_setting(query, t, context, deps, action)
        return
    current = await deps.db(deps.users.settings, query.from_user.id)
    try:
        changed = changed_setting(current, action.arg or "")
    except ValueError:
        await query.answer(t(texts.STALE_BUTTON), show_alert=True)
        return
    await deps.db(deps.users.save_settings, query.from_user.id, changed, now=utcnow())
    await query.answer(t(texts.SETTINGS_SAVED))
    markup = keyboards.settings(t, action.target, changed, group=False)
    await query.edit_message_reply_markup(markup)


async def _change_group_setting(
    query: CallbackQuery,
    t: Words,
    context: ContextTypes.DEFAULT_TYPE,
    deps: Deps,
    action: keyboards.Action,
) -> None:
    try:
        chat_id = int(action.target)
    except ValueError:
        await query.answer(t(texts.STALE_BUTTON), show_alert=True)
        return
    if not await is_admin(context.bot, chat_id, query.from_user.id):
        await query.answer(t(texts.GROUP_SETTINGS_ADMINS_ONLY), show_alert=True)
        return
    current = await _group_settings(deps, chat_id)
    try:
        changed = changed_setting(current, action.arg or "")
    except ValueError:
        await query.answer(t(texts.STALE_BUTTON), show_alert=True)
        return
    chat = query.message.chat if query.message else None
    if chat is not None and chat.id == chat_id:
        await deps.db(deps.chats.touch, chat.id, chat.type, chat.title, now=utcnow())
    await deps.db(deps.chats.save_group_settings, chat_id, changed, now=utcnow())
    await query.answer(t(texts.SETTINGS_SAVED))
    markup = keyboards.settings(t, action.target, changed, group=True)
    await query.edit_message_reply_markup(markup)


async def is_admin(bot: Bot, chat_id: int, user_id: int) -> bool:
    """Asked of Telegram each time, so a demoted admin loses the right at once."""
    try:
        member = await bot.get_chat_member(chat_id, user_id)
    except TelegramError:
        return False
    return member.status in ADMINS


async def _group_settings(deps: Deps, chat_id: int) -> UserSettings:
    return await deps.db(deps.chats.group_settings, chat_id) or UserSettings()


def changed_setting(current: UserSettings, what: str) -> UserSettings:
    if what == "model":
        return replace(current, model=keyboards.following(MODELS, current.model))
    if what == "ask":
        return replace(current, ask_each_time=not current.ask_each_time)
    return keyboards.toggled(current, what)  # ValueError for anything else
