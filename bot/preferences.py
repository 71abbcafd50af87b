"""/settings: a user's defaults in private, a group's defaults for its admins."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from telegram import Bot, CallbackQuery, Chat, InlineKeyboardMarkup, Update
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
    t = await answering(query, context)
    refused = await refusal(context.bot, action, query.from_user.id)
    if refused is not None:
        await query.answer(t(refused), show_alert=True)
        return
    if action.arg == CUSTOM:
        await _ask_for_colour(query, t, context, action)
        return
    chat = query.message.chat if query.message else None
    try:
        changed = await _save_defaults(
            deps_of(context),
            action,
            query.from_user.id,
            chat,
            lambda current: changed_setting(current, action.arg or ""),
        )
    except ValueError:
        await query.answer(t(texts.STALE_BUTTON), show_alert=True)
        return
    await query.answer(t(texts.SETTINGS_SAVED))
    markup = keyboards.settings(t, action.target, changed, group=action.kind == "gset")
    await query.edit_message_reply_markup(markup)


async def refusal(
    bot: Bot,
    action: keyboards.Action,
    user_id: int,
    admins_only: str = texts.GROUP_SETTINGS_ADMINS_ONLY,
) -> str | None:
    """Why `user_id` may not press a button for someone's settings (the user's own, or a
    group's, whose id is the button's target), or None when they may."""
    if action.kind in ("set", "lang"):
        return None if action.target == str(user_id) else texts.NOT_YOURS
    try:
        chat_id = int(action.target)
    except ValueError:
        return texts.STALE_BUTTON
    return None if await is_admin(bot, chat_id, user_id) else admins_only


async def _save_defaults(
    deps: Deps,
    action: keyboards.Action,
    user_id: int,
    chat: Chat | None,
    change: Callable[[UserSettings], UserSettings],
) -> UserSettings:
    """The user's defaults, or the group's the button names, with `change` made and saved;
    `change` raising ValueError saves nothing. `chat` is where the change was asked."""
    if action.kind == "set":
        changed = change(await deps.db(deps.users.settings, user_id))
        await deps.db(deps.users.save_settings, user_id, changed, now=utcnow())
        return changed
    chat_id = int(action.target)
    changed = change(await _group_settings(deps, chat_id))
    if chat is not None and chat.id == chat_id:
        await deps.db(deps.chats.touch, chat.id, chat.type, chat.title, now=utcnow())
    await deps.db(deps.chats.save_group_settings, chat_id, changed, now=utcnow())
    return changed


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
    context: ContextTypes.DEFAULT_TYPE,
    t: Words,
    awaited: Awaited,
    user_id: int,
    chat: Chat,
    colour: str,
) -> tuple[str, InlineKeyboardMarkup] | None:
    """A typed colour becomes the default background of the /settings it was asked for: the
    reply and the settings' buttons, or None when the asker may no longer change them."""
    action = awaited.defaults
    assert action is not None
    if await refusal(context.bot, action, user_id) is not None:
        return None
    changed = await _save_defaults(
        deps_of(context),
        action,
        user_id,
        chat,
        lambda current: replace(current, background=colour),
    )
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
