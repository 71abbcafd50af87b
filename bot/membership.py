"""The bot's own membership: a how-to when added to a group, silence once removed."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.ext import ContextTypes

from . import texts
from .context import deps_of
from .speech import words_for
from .status import say

log = logging.getLogger(__name__)
PRESENT = (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
STATUS: dict[str, str] = {
    ChatMemberStatus.MEMBER: "member",
    ChatMemberStatus.ADMINISTRATOR: "administrator",
    ChatMemberStatus.OWNER: "administrator",
    ChatMemberStatus.LEFT: "left",
    ChatMemberStatus.BANNED: "kicked",
}


async def on_my_membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Record where the bot may write; greet a group that just added it."""
    change = update.my_chat_member
    if change is None:
        return
    deps = deps_of(context)
    chat, new, old = change.chat, change.new_chat_member, change.old_chat_member
    status = STATUS.get(new.status, "member" if getattr(new, "is_member", False) else "left")
    fresh = await deps.db(
        deps.chats.record_membership,
        chat.id,
        chat.type,
        chat.title,
        status,
        by=change.from_user.id,
        now=change.date,
    )
    log.info("membership in chat %s: %s -> %s", chat.id, old.status, new.status)
    joined = new.status in PRESENT and old.status not in PRESENT
    if fresh and joined and chat.type != "private":
        t = await words_for(deps, change.from_user, chat)  # the group's, or who added the bot
        await say(context.bot, chat.id, t(texts.GROUP_HELLO))
    elif fresh and status in ("left", "kicked"):
        await deps.runner.forget_chat(chat.id)
