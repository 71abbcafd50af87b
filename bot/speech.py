"""Which language the bot speaks to whom: in a group, the one its admins chose; otherwise the
user's own choice, or their Telegram app's language, or English."""

from __future__ import annotations

from telegram import CallbackQuery, Chat, Update, User
from telegram.ext import ContextTypes

from .context import Deps, deps_of
from .i18n import DEFAULT, LANGUAGES, Words, language_for, words


async def words_for(deps: Deps, user: User | None, chat: Chat | None) -> Words:
    """The texts for whoever the bot answers, where."""
    return words(await language_of(deps, user, chat))


async def language_of(deps: Deps, user: User | None, chat: Chat | None) -> str:
    if chat is not None and chat.type != "private":
        chosen = await deps.db(deps.chats.language, chat.id)
        if chosen in LANGUAGES:
            return chosen
    if user is None:
        return DEFAULT
    chosen = await deps.db(deps.users.language, user.id)
    return chosen if chosen in LANGUAGES else language_for(user.language_code)


async def speaking_to(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Words:
    """The texts for the update's user in the update's chat."""
    return await words_for(deps_of(context), update.effective_user, update.effective_chat)


async def answering(query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE) -> Words:
    """The texts for whoever pressed a button, in the chat of its message."""
    chat = query.message.chat if query.message is not None else None
    return await words_for(deps_of(context), query.from_user, chat)
