"""Telegram with people in it: the users, chats and actions that tests play.

In groups the bot hears what privacy mode lets through, as Telegram does: messages whose text
or caption starts with a command (not one addressed to another bot, `/cmd@other_bot`), replies
to the bot's messages, messages mentioning the bot, and service messages. An admin bot, or one
with privacy mode off, hears everything; a bot that is not in the group hears nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from tests.e2e.botapi_faults import Faults
from tests.e2e.botapi_objects import (
    JSON,
    BotMessage,
    Chat,
    User,
    entity_text,
    image_format,
    text_entities,
)

AlbumItem = tuple[bytes, str | None, str | None]  # data, file name, MIME type
INLINE_CHAT_TYPES = ("sender", "private", "group", "supergroup", "channel")


def album_item(item: AlbumItem | bytes) -> AlbumItem:
    return (item, None, None) if isinstance(item, bytes) else item


class Telegram(Faults):
    """The state plus what its users do: write, send photos and files, press buttons."""

    # --- people and places -------------------------------------------------------------------

    def user(self, first_name: str = "Alice", *, language_code: str | None = "en") -> User:
        """A new user with a username made from `first_name`, and their private chat."""
        n = self.next_id()
        user = User(100_000 + n, first_name, f"{first_name.lower()}{n}", language_code)
        self.meet(user, Chat.private(user))
        return user

    def private_chat(self, user: User) -> Chat:
        chat = Chat.private(user)
        self.meet(user, chat)
        return chat

    # --- users acting --------------------------------------------------------------------------

    def send_text(self, user: User, chat: Chat, text: str, *, reply_to: int | None = None) -> JSON:
        """The user writes `text`; /commands and @mentions get entities. Returns the message."""
        fields: JSON = {"text": text}
        if entities := text_entities(text):
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

    def send_album(
        self,
        user: User,
        chat: Chat,
        items: Sequence[AlbumItem | bytes],
        *,
        as_documents: bool = False,
        caption: str | None = None,
    ) -> list[JSON]:
        """The user sends 2 to 10 photos (or files) at once: one message and one update each,
        sharing a `media_group_id`; the caption goes on the first, as Telegram's apps do.

        Items are image bytes or (data, file name, MIME type); names and types matter only for
        documents: without a name the document has none, without a type it is guessed. In a
        group under privacy mode only a first item captioned with a command reaches the bot.
        """
        if not 2 <= len(items) <= 10:
            raise ValueError("an album holds 2 to 10 items")
        with self.lock:
            group_id = str(10**13 + self.next_id())
            sent = []
            for n, item in enumerate(items, 1):
                data, name, mime = album_item(item)
                if as_documents:
                    found = image_format(data)
                    mime = mime or (f"image/{found[0].lower()}" if found else None)
                    stored = self.store_file(data, f"documents/{name or ''}", mime_type=mime)
                    fields: JSON = {"document": stored.document_json()}
                else:
                    fields = {"photo": self.photo_sizes(data)}
                fields["media_group_id"] = group_id
                if n == 1:
                    self._with_caption(fields, caption)
                sent.append(self._user_message(user, chat, fields, None))
        return sent

    def press(self, user: User, chat: Chat, message_id: int, callback_data: str) -> str:
        """The user presses the button with `callback_data`; returns the callback query id."""
        with self.lock:
            message = self.messages.get((chat.id, message_id))
            shown = BotMessage(message_id, chat.id, message).callback_data if message else []
            if callback_data not in shown:
                raise LookupError(f"no button {callback_data!r} on message {message_id}: {shown}")
        return self.press_forged(user, chat, message_id, callback_data)

    def press_forged(self, user: User, chat: Chat, message_id: int, callback_data: str) -> str:
        """A modified client sends a callback query for `message_id` with any data at all
        (Telegram does not check it against the buttons); returns the callback query id."""
        with self.lock:
            message = self.messages.get((chat.id, message_id))
            if message is None:
                raise LookupError(f"no message {message_id} in chat {chat.id}")
            query_id = str(self.next_id())
            self.callback_queries[query_id] = None
            query = {
                "id": query_id,
                "from": user.to_json(),
                "message": dict(message),
                "chat_instance": str(abs(chat.id) * 7919),
                "data": callback_data,
            }
            self.users[user.id] = user
            self._queue({"callback_query": query})
        return query_id

    def inline_query(self, user: User, query: str, *, chat_type: str | None = "sender") -> str:
        """The user types `@bot query` in a chat of `chat_type`; returns the inline query id."""
        if not self.inline_mode:
            raise RuntimeError("inline mode is off for this bot (running_peer(inline_mode=...))")
        if chat_type is not None and chat_type not in INLINE_CHAT_TYPES:
            raise ValueError(f"chat_type is one of {INLINE_CHAT_TYPES} or None")
        if len(query) > 256:
            raise ValueError("an inline query is at most 256 characters")
        with self.lock:
            query_id = str(6_000_000_000_000_000_000 + self.next_id())
            self.inline_queries[query_id] = None
            self.users[user.id] = user
            inline = {"id": query_id, "from": user.to_json(), "query": query, "offset": ""}
            if chat_type is not None:
                inline["chat_type"] = chat_type
            self._queue({"inline_query": inline})
        return query_id

    # --- the test's view of answers ------------------------------------------------------------

    def callback_answer(self, query_id: str) -> JSON:
        """What answerCallbackQuery said: text, show_alert, url, cache_time (those given)."""
        return self._answer_to(self.callback_queries, query_id, "callback query")

    def inline_answer(self, query_id: str) -> JSON:
        """What answerInlineQuery said: results, cache_time, is_personal, next_offset, button."""
        return self._answer_to(self.inline_queries, query_id, "inline query")

    def inline_answers(self, query_id: str) -> list[JSON]:
        """The results the bot answered the inline query with."""
        return list(self.inline_answer(query_id)["results"])

    def sticker_set(self, name: str) -> JSON | None:
        """The StickerSet named `name` as getStickerSet shows it, or None."""
        with self.lock:
            found = self.sticker_sets.get(name.lower())
            return None if found is None else found.to_json()

    def _answer_to(self, answers: dict[str, JSON | None], query_id: str, kind: str) -> JSON:
        with self.lock:
            answer = answers.get(query_id)
        if answer is None:
            raise LookupError(f"the bot has not answered {kind} {query_id}")
        return answer

    # --- messages and privacy ------------------------------------------------------------------

    def _with_caption(self, fields: JSON, caption: str | None) -> JSON:
        if caption is not None:
            fields["caption"] = caption
            if entities := text_entities(caption):
                fields["caption_entities"] = entities
        return fields

    def _user_message(self, user: User, chat: Chat, fields: JSON, reply_to: int | None) -> JSON:
        with self.lock:
            self.meet(user, chat)
            message = self.new_message(chat, user, fields, reply_to)
            if self._delivered(chat, message):
                self._queue({"message": message})
        return message

    def _delivered(self, chat: Chat, message: JSON) -> bool:
        if chat.type == "private":
            return True
        status = self.roster(chat.id).bot_status
        if status not in ("member", "administrator"):
            return False
        if not self.privacy_mode or status == "administrator":
            return True
        if message.get("reply_to_message", {}).get("from", {}).get("id") == self.bot.id:
            return True
        return self._addressed(message.get("text") or message.get("caption") or "", message)

    def _addressed(self, text: str, message: JSON) -> bool:
        """Starts with a command not meant for another bot, or mentions the bot."""
        me = (self.bot.username or "").lower()
        for entity in message.get("entities") or message.get("caption_entities") or []:
            part = entity_text(text, entity).lower()
            if entity["type"] == "bot_command" and entity["offset"] == 0:
                if part.partition("@")[2] in ("", me):
                    return True
            elif entity["type"] == "mention" and part == f"@{me}":
                return True
        return False
