"""Who is in which chat: groups, their creator and admins, and the bot joining, leaving or
being blocked, with the `my_chat_member` updates Telegram sends when the bot's status changes.

The bot's status in a chat is "member", "administrator", "left" or "kicked" (a private chat
whose user blocked the bot is "kicked" too). Where it is left or kicked, sends fail with 403.
"""

from __future__ import annotations

import time

from tests.e2e.botapi_objects import JSON, ApiError, Chat, User, bad_request
from tests.e2e.botapi_state import TelegramState

IN_CHAT = ("member", "administrator")
FORBIDDEN_PREFIXES = ("send", "edit", "copy", "forward")
ADMIN_RIGHTS = {
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_pin_messages": True,
}


def member_json(status: str, user: User, chat: Chat) -> JSON:
    """A ChatMember of `status` as the Bot API shapes it (the fields PTB needs for each)."""
    shaped: JSON = {"status": status, "user": user.to_json()}
    if status == "creator":
        shaped["is_anonymous"] = False
    elif status == "administrator":
        topics = {"can_manage_topics": False} if chat.type == "supergroup" else {}
        shaped.update({"can_be_edited": False, **ADMIN_RIGHTS, **topics})
    elif status == "kicked":
        shaped["until_date"] = 0  # forever
    return shaped


class Groups(TelegramState):
    """Chats with people in them, and the bot's place there."""

    def group(
        self,
        title: str = "Test group",
        *,
        supergroup: bool = False,
        creator: User | None = None,
        with_bot: bool = True,
    ) -> Chat:
        """A new group; the bot is already a member unless `with_bot` is False."""
        n = self.next_id()
        chat = Chat.group(
            -(1_000_000_000_000 if supergroup else 1000) - n, title, supergroup=supergroup
        )
        with self.lock:
            self.chats[chat.id] = chat
            roster = self.roster(chat.id)
            roster.bot_status = "member" if with_bot else "left"
            if creator is not None:
                roster.creator = creator.id
                self.meet(creator, chat)
        return chat

    def set_admin(self, chat: Chat, user: User, admin: bool = True) -> None:
        """Promote `user` to administrator of `chat`, or demote them (no update: the bot is not
        told of other members' changes unless it asks for chat_member updates)."""
        if chat.type == "private" or user.id == self.bot.id:
            raise ValueError(
                "set_admin is for people in groups; the bot joins with add_bot_to_group"
            )
        with self.lock:
            roster = self.roster(chat.id)
            if user.id == roster.creator:
                raise ValueError(f"{user.first_name} created {chat.title}: always its owner")
            self.meet(user, chat)
            if admin:
                roster.admins.add(user.id)
            else:
                roster.admins.discard(user.id)

    # --- the bot's status ----------------------------------------------------------------------

    def add_bot_to_group(self, user: User, chat: Chat, *, as_admin: bool = False) -> JSON:
        """`user` adds the bot to `chat` (or changes its rights); returns the ChatMemberUpdated.

        Joining also posts the service message `new_chat_members`, which the bot receives.
        """
        if chat.type == "private":
            raise ValueError("a bot is added to groups; in private chats see user_unblocks_bot")
        with self.lock:
            old = self.roster(chat.id).bot_status
            self.meet(user, chat)
            change = self._bot_becomes("administrator" if as_admin else "member", chat, user)
            if old not in IN_CHAT:
                joined = {"new_chat_members": [self.bot.to_json()]}
                self._queue({"message": self.new_message(chat, user, joined, None)})
        return change

    def remove_bot_from_group(self, user: User, chat: Chat, *, kicked: bool = True) -> JSON:
        """`user` removes the bot from `chat`: banned (kicked) or just gone (left)."""
        if chat.type == "private":
            raise ValueError("the bot is not removed from private chats; see user_blocks_bot")
        with self.lock:
            self.meet(user, chat)
            return self._bot_becomes("kicked" if kicked else "left", chat, user)

    def user_blocks_bot(self, user: User) -> JSON:
        """`user` blocks the bot: a my_chat_member update, and sends to them fail with 403."""
        return self._bot_becomes("kicked", self._private(user), user)

    def user_unblocks_bot(self, user: User) -> JSON:
        """`user` restarts the bot (before a /start that tests send themselves)."""
        return self._bot_becomes("member", self._private(user), user)

    def bot_leaves(self, chat: Chat) -> None:
        """The bot left `chat` itself (leaveChat)."""
        self._bot_becomes("left", chat, self.bot)

    def block(self, chat: Chat | int) -> None:
        """The user blocked the bot, silently (no update): sends and edits get 403."""
        self.roster(chat.id if isinstance(chat, Chat) else chat).bot_status = "kicked"

    def unblock(self, chat: Chat | int) -> None:
        self.roster(chat.id if isinstance(chat, Chat) else chat).bot_status = "member"

    def _private(self, user: User) -> Chat:
        chat = Chat.private(user)
        self.meet(user, chat)
        return chat

    def _bot_becomes(self, status: str, chat: Chat, by: User) -> JSON:
        with self.lock:
            roster = self.roster(chat.id)
            if roster.bot_status == status:
                raise ValueError(f"the bot's status in chat {chat.id} is already {status!r}")
            old = member_json(roster.bot_status, self.bot, chat)
            roster.bot_status = status
            change = {
                "chat": chat.to_json(),
                "from": by.to_json(),
                "date": int(time.time()),
                "old_chat_member": old,
                "new_chat_member": member_json(status, self.bot, chat),
            }
            self._queue({"my_chat_member": change})
        return change

    # --- used while answering ------------------------------------------------------------------

    def forbidden(self, method: str, chat_id: object) -> ApiError | None:
        """The 403 for sending to a chat where the bot is not (any more), if it is not."""
        if not method.lower().startswith(FORBIDDEN_PREFIXES) or not isinstance(chat_id, int):
            return None
        with self.lock:
            roster = self.rosters.get(chat_id)
            chat = self.chats.get(chat_id)
        if roster is None or roster.bot_status in IN_CHAT:
            return None
        kind = chat.type if chat is not None else "private"
        if kind == "private":
            return ApiError(403, "Forbidden: bot was blocked by the user")
        if roster.bot_status == "kicked":
            return ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")
        return ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")

    def member(self, chat: Chat, user_id: int) -> JSON:
        """getChatMember: creator, administrator, member, left or kicked."""
        with self.lock:
            roster = self.roster(chat.id)
            if user_id == self.bot.id:
                return member_json(roster.bot_status, self.bot, chat)
            user = self.users.get(user_id)
            if user is None:
                raise bad_request("user not found")
            if chat.type == "private":
                return member_json("member" if user_id == chat.id else "left", user, chat)
            if user_id == roster.creator:
                return member_json("creator", user, chat)
            if user_id in roster.admins:
                return member_json("administrator", user, chat)
            return member_json("member" if user_id in roster.members else "left", user, chat)

    def administrators(self, chat: Chat) -> list[JSON]:
        """getChatAdministrators: the creator first, then admins, the bot among them if one."""
        if chat.type == "private":
            raise bad_request("there are no administrators in the private chat")
        with self.lock:
            roster = self.roster(chat.id)
            ids = [roster.creator] if roster.creator is not None else []
            ids += sorted(roster.admins)
            if roster.bot_status == "administrator":
                ids.append(self.bot.id)
            return [self.member(chat, user_id) for user_id in ids]
