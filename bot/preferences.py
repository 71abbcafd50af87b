"""/settings: a user's defaults in private, a group's defaults for its admins."""

from __future__ import annotations

from dataclasses import replace

from telegram import Bot, CallbackQuery, InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus, ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from services.contract.wire import MODELS
from storage import UserSettings

from . import keyboards, texts
from .awaiting import Awaited
from .clock import utcnow
from .context import Deps, deps_of
from .i18n import Words
from .speech import answering, words_for
from .status import say

ADMINS = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
CUSTOM = "bgcustom"  # the button asking for a colour to type


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
    if action.arg == CUSTOM:
        await _ask_for_colour(query, t, context, action)
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
    if action.arg == CUSTOM:
        await _ask_for_colour(query, t, context, action)
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


async def _ask_for_colour(
    query: CallbackQuery, t: Words, context: ContextTypes.DEFAULT_TYPE, action: keyboards.Action
) -> None:
    """Custom colour… in /settings: the person's next text in this chat is the colour."""
    await query.answer()
    message = query.message
    if message is None:
        return
    awaited = Awaited("", "colour", defaults=action)
    deps_of(context).awaiting.expect(message.chat.id, query.from_user.id, awaited)
    await say(context.bot, message.chat.id, t(texts.ASK_COLOUR), reply_to=message.message_id)


async def save_colour(
    context: ContextTypes.DEFAULT_TYPE, t: Words, awaited: Awaited, user_id: int, colour: str
) -> tuple[str, InlineKeyboardMarkup] | None:
    """A typed colour becomes the default background of the /settings it was asked for: the
    reply and the settings' buttons, or None when the asker may no longer change them."""
    deps, action = deps_of(context), awaited.defaults
    assert action is not None
    if action.kind == "set":
        current = await deps.db(deps.users.settings, user_id)
        changed = replace(current, background=colour)
        await deps.db(deps.users.save_settings, user_id, changed, now=utcnow())
    else:
        chat_id = int(action.target)
        if not await is_admin(context.bot, chat_id, user_id):
            return None
        changed = replace(await _group_settings(deps, chat_id), background=colour)
        await deps.db(deps.chats.save_group_settings, chat_id, changed, now=utcnow())
    markup = keyboards.settings(t, action.target, changed, group=action.kind == "gset")
    return t(texts.DEFAULT_COLOUR_SAVED, name=colour), markup


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
