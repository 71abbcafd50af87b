"""Telegram with people in it: the users, chats and actions that tests play."""

from __future__ import annotations

from tests.e2e.botapi_objects import JSON, BotMessage, Chat, User, command_entities
from tests.e2e.botapi_state import TelegramState


class Telegram(TelegramState):
    """The state plus what its users do: write, send photos and files, press buttons."""

    # --- people and places -------------------------------------------------------------------

    def user(self, first_name: str = "Alice", *, language_code: str | None = "en") -> User:
        """A new user with a username made from `first_name`, and their private chat."""
        n = self.next_id()
        user = User(100_000 + n, first_name, f"{first_name.lower()}{n}", language_code)
        self._meet(user, Chat.private(user))
        return user

    def private_chat(self, user: User) -> Chat:
        chat = Chat.private(user)
        self._meet(user, chat)
        return chat

    def group(self, title: str = "Test group", *, supergroup: bool = False) -> Chat:
        n = self.next_id()
        chat = Chat.group(
            -(1_000_000_000_000 if supergroup else 1000) - n, title, supergroup=supergroup
        )
        with self.lock:
            self.chats[chat.id] = chat
        return chat

    def _meet(self, user: User, chat: Chat) -> None:
        with self.lock:
            self.users[user.id] = user
            self.chats[chat.id] = chat

    # --- users acting --------------------------------------------------------------------------

    def send_text(self, user: User, chat: Chat, text: str, *, reply_to: int | None = None) -> JSON:
        """The user writes `text`; /commands get `bot_command` entities. Returns the message."""
        fields: JSON = {"text": text}
        if entities := command_entities(text):
            fields["entities"] = entities
        return self._user_message(user, chat, fields, reply_to)

    def send_photo(
        self,
        user: User,
        chat: Chat,
        image: bytes,
        caption: str | None = None,
        *,
        reply_to: int | None = None,
    ) -> JSON:
        """The user sends a photo; the largest PhotoSize holds `image` itself."""
        fields: JSON = {"photo": self.photo_sizes(image)}
        return self._user_message(user, chat, self._with_caption(fields, caption), reply_to)

    def send_document(
        self,
        user: User,
        chat: Chat,
        data: bytes,
        file_name: str,
        mime_type: str,
        *,
        caption: str | None = None,
        reply_to: int | None = None,
    ) -> JSON:
        """The user sends a file as a document (uncompressed)."""
        stored = self.store_file(data, f"documents/{file_name}", mime_type=mime_type)
        fields = self._with_caption({"document": stored.document_json()}, caption)
        return self._user_message(user, chat, fields, reply_to)

    def press(self, user: User, chat: Chat, message_id: int, callback_data: str) -> str:
        """The user presses the button with `callback_data`; returns the callback query id."""
        with self.lock:
            message = self.messages.get((chat.id, message_id))
            shown = BotMessage(message_id, chat.id, message).callback_data if message else []
            if callback_data not in shown:
                raise LookupError(f"no button {callback_data!r} on message {message_id}: {shown}")
            query_id = str(self.next_id())
            self.callback_queries[query_id] = False
            query = {
                "id": query_id,
                "from": user.to_json(),
                "message": dict(message or {}),
                "chat_instance": str(abs(chat.id) * 7919),
                "data": callback_data,
            }
            self.users[user.id] = user
            self._queue({"callback_query": query})
        return query_id

    def _with_caption(self, fields: JSON, caption: str | None) -> JSON:
        if caption is not None:
            fields["caption"] = caption
            if entities := command_entities(caption):
                fields["caption_entities"] = entities
        return fields

    def _user_message(self, user: User, chat: Chat, fields: JSON, reply_to: int | None) -> JSON:
        with self.lock:
            self.users[user.id] = user
            self.chats[chat.id] = chat
            message = self.new_message(chat, user, fields, reply_to)
            if self._delivered(chat, message):
                self._queue({"message": message})
        return message

    def _delivered(self, chat: Chat, message: JSON) -> bool:
        """Privacy mode: in groups a bot gets only commands and replies to itself."""
        if chat.type == "private" or not self.privacy_mode:
            return True
        replied = message.get("reply_to_message", {})
        text = message.get("text") or message.get("caption") or ""
        return text.startswith("/") or replied.get("from", {}).get("id") == self.bot.id
