"""/language to choose the bot's language, and the commands' menu in every language."""

from __future__ import annotations

from telegram import Bot, BotCommand, CallbackQuery, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from . import keyboards, texts
from .clock import utcnow
from .context import deps_of
from .i18n import DEFAULT, LANGUAGES, words
from .preferences import is_admin, refusal
from .speech import answering, words_for


async def show_languages(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/language: the languages to choose from, for the user, or for a group by its admins."""
    deps = deps_of(context)
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None:
        return
    t = await words_for(deps, user, chat)
    if chat.type == "private":
        chosen = await deps.db(deps.users.language, user.id)
        markup = keyboards.languages(t, str(user.id), chosen, group=False)
        await message.reply_text(t(texts.LANGUAGE), reply_markup=markup)
    elif await is_admin(context.bot, chat.id, user.id):
        await deps.db(deps.chats.touch, chat.id, chat.type, chat.title, now=utcnow())
        chosen = await deps.db(deps.chats.language, chat.id)
        markup = keyboards.languages(t, str(chat.id), chosen, group=True)
        await message.reply_text(t(texts.GROUP_LANGUAGE), reply_markup=markup)
    else:
        await message.reply_text(t(texts.GROUP_LANGUAGE_ADMINS_ONLY))


async def choose_language(
    query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, action: keyboards.Action
) -> None:
    """A language button: save the choice, and say so in the language now spoken."""
    deps, user = deps_of(context), query.from_user
    chat = query.message.chat if query.message is not None else None
    group = action.kind == "glang"
    t = await answering(query, context)
    if action.arg not in keyboards.LANGUAGE_KEYS:
        await query.answer(t(texts.STALE_BUTTON), show_alert=True)
        return
    chosen = keyboards.LANGUAGE_KEYS[action.arg]
    if group and (chat is None or action.target != str(chat.id)):
        await query.answer(t(texts.STALE_BUTTON), show_alert=True)
        return
    refused = await refusal(context.bot, action, user.id, texts.GROUP_LANGUAGE_ADMINS_ONLY)
    if refused is not None:
        await query.answer(t(refused), show_alert=True)
        return
    if chat is None or not group:
        await deps.db(deps.users.set_language, user.id, chosen, now=utcnow())
    else:
        await deps.db(deps.chats.touch, chat.id, chat.type, chat.title, now=utcnow())
        await deps.db(deps.chats.set_language, chat.id, chosen, now=utcnow())
    now = await answering(query, context)
    await query.answer()
    await query.edit_message_text(
        now(texts.LANGUAGE_SAVED),
        reply_markup=keyboards.languages(now, action.target, chosen, group=group),
        parse_mode=ParseMode.HTML,
    )


async def set_commands(bot: Bot) -> None:
    """The commands' menu in each language (Telegram picks by the user's app language);
    English for every other."""
    for language in LANGUAGES:
        t = words(language)
        commands = [BotCommand(name, t(about)) for name, about in texts.COMMANDS.items()]
        code = None if language == DEFAULT else language.split("_")[0]
        await bot.set_my_commands(commands, language_code=code)
