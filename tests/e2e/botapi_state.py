"""The state of Telegram for one bot: chats, members, messages, files, updates and calls.

Tests change it from their own thread (as users, see `botapi_users.py`); the peer's server
thread answers the bot's requests from it. One re-entrant lock guards it all. What changes it
lives in mixins over this class: `botapi_groups.py` (who is in which chat), `botapi_faults.py`
(errors, delays and hangs) and `botapi_users.py` (what users do).
"""

from __future__ import annotations

import itertools
import mimetypes
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.e2e.botapi_objects import (
    JSON,
    MAX_DOWNLOAD_BYTES,
    ApiError,
    BotMessage,
    Call,
    Chat,
    StoredFile,
    User,
    bad_request,
    photo_versions,
)


@dataclass
class Roster:
    """Who is in a chat: the bot's status there and, in groups, the people who count."""

    bot_status: str = "member"  # "member", "administrator", "left" or "kicked"
    creator: int | None = None
    admins: set[int] = field(default_factory=set)
    members: set[int] = field(default_factory=set)  # everyone seen in the group


@dataclass
class StickerSet:
    name: str
    title: str
    owner_id: int
    stickers: list[JSON] = field(default_factory=list)

    def to_json(self) -> JSON:
        return {
            "name": self.name,
            "title": self.title,
            "sticker_type": "regular",
            "stickers": list(self.stickers),
        }


class TelegramState:
    """What Telegram knows, as far as one bot is concerned."""

    def __init__(
        self,
        *,
        bot_username: str = "cutout_test_bot",
        privacy_mode: bool = True,
        inline_mode: bool = True,
    ):
        self.lock = threading.RLock()
        self.bot = User(7_000_000_001, "Cutout Test", bot_username, is_bot=True)
        self.privacy_mode = privacy_mode
        self.inline_mode = inline_mode
        self.token: str | None = None
        self.commands: dict[str, list[JSON]] = {}  # by language code; "" for every other
        self.chats: dict[int, Chat] = {}
        self.users: dict[int, User] = {}
        self.rosters: dict[int, Roster] = {}
        self.messages: dict[tuple[int, int], JSON] = {}
        self.sources: dict[tuple[int, int], str | None] = {}  # text or caption before parsing
        self.files: dict[str, StoredFile] = {}
        self.stickers: dict[str, JSON] = {}  # file_id -> Sticker, for stickers in sets
        self.sticker_sets: dict[str, StickerSet] = {}  # by lower-cased name
        self.callback_queries: dict[str, JSON | None] = {}  # query id -> its answer, if any
        self.inline_queries: dict[str, JSON | None] = {}
        self.allowed_updates: frozenset[str] | None = None  # None: all that the peer makes
        self.listeners: list[Callable[[], None]] = []
        self._updates: list[JSON] = []
        self._calls: list[Call] = []
        self._faults: dict[str, list[ApiError]] = {}
        self._delays: dict[str, float] = {}
        self._hangs: dict[str, list[float]] = {}
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._ids = itertools.count(1)

    def roster(self, chat_id: int) -> Roster:
        with self.lock:
            return self.rosters.setdefault(chat_id, Roster())

    def meet(self, user: User, chat: Chat) -> None:
        """Telegram knows `user` and `chat`; in a group, `user` is now one of its members."""
        with self.lock:
            self.users[user.id] = user
            self.chats[chat.id] = chat
            if chat.type != "private":
                self.roster(chat.id).members.add(user.id)

    # --- messages, files and updates -----------------------------------------------------------

    def new_message(self, chat: Chat, sender: User, fields: JSON, reply_to: int | None) -> JSON:
        with self.lock:
            ids = self._message_ids.setdefault(chat.id, itertools.count(1))
            message: JSON = {
                "message_id": next(ids),
                "from": sender.to_json(),
                "chat": chat.to_json(),
                "date": int(time.time()),
                **fields,
            }
            if reply_to is not None:
                replied = self.messages.get((chat.id, reply_to))
                if replied is None:
                    raise bad_request("message to be replied not found")
                message["reply_to_message"] = {
                    k: v for k, v in replied.items() if k != "reply_to_message"
                }
            self.messages[chat.id, message["message_id"]] = message
        return message

    def store_file(
        self,
        data: bytes,
        path: str,
        *,
        mime_type: str | None = None,
        file_size: int | None = None,
    ) -> StoredFile:
        """Keep `data` as a new file; `path` is "<folder>/<original name>"."""
        folder, _, name = path.partition("/")
        suffix = name.rsplit(".", 1)[1] if "." in name else "bin"
        mime_type = mime_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        size = len(data) if file_size is None else file_size
        with self.lock:
            n = self.next_id()
            stored = StoredFile(
                f"BQAC-{n:06d}",
                f"AgAD{n:04d}",
                f"{folder}/file_{n}.{suffix}",
                data,
                size,
                name,
                mime_type,
            )
            self.files[stored.file_id] = stored
        return stored

    def photo_sizes(self, image: bytes) -> list[JSON]:
        sizes = []
        for data, width, height in photo_versions(image):
            stored = self.store_file(data, "photos/photo.jpg")
            sizes.append({**stored.to_json(), "width": width, "height": height})
        return sizes

    def next_id(self) -> int:
        with self.lock:
            return next(self._ids)

    def _queue(self, content: JSON) -> None:
        with self.lock:
            self._updates.append({"update_id": self.next_id(), **content})
            listeners = list(self.listeners)
        for wake in listeners:
            wake()

    def confirm(self, offset: int | None) -> None:
        """getUpdates' offset: forget updates with a lower update_id."""
        if offset is not None:
            with self.lock:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]

    def allow(self, allowed: list[str] | None) -> None:
        """getUpdates' allowed_updates: kept until changed; an empty list means the default."""
        if allowed is not None:
            with self.lock:
                self.allowed_updates = frozenset(allowed) or None

    def updates(self, limit: int) -> list[JSON]:
        """Up to `limit` pending updates; those of a kind not allowed are dropped."""
        with self.lock:
            if (allowed := self.allowed_updates) is not None:
                self._updates = [u for u in self._updates if update_kind(u) in allowed]
            return self._updates[:limit]

    def drop_updates(self) -> None:
        with self.lock:
            self._updates.clear()

    # --- the test's view -----------------------------------------------------------------------

    def add_file(self, data: bytes, *, file_size: int | None = None) -> str:
        """A file already on Telegram's servers; `file_size` may claim more than `len(data)`."""
        return self.store_file(data, "documents/file.bin", file_size=file_size).file_id

    def file(self, file_id: str) -> bytes:
        with self.lock:
            return self.files[file_id].data

    def calls(self, method: str | None = None) -> list[Call]:
        with self.lock:
            calls = list(self._calls)
        if method is None:
            return calls
        return [c for c in calls if c.method.lower() == method.lower()]

    def bot_messages(self, chat: Chat | int) -> list[BotMessage]:
        """The bot's messages in `chat` as they are now, oldest first."""
        chat_id = chat.id if isinstance(chat, Chat) else chat
        with self.lock:
            return [
                BotMessage(mid, cid, dict(message))
                for (cid, mid), message in sorted(self.messages.items())
                if cid == chat_id and message["from"]["id"] == self.bot.id
            ]

    def pending_updates(self) -> int:
        """Updates not yet confirmed by the bot."""
        with self.lock:
            return len(self._updates)

    # --- used while answering ------------------------------------------------------------------

    def see_token(self, token: str) -> None:
        with self.lock:
            if self.token is None:
                self.token = token
                bot_id = token.partition(":")[0]
                if bot_id.isdigit():
                    self.bot = User(
                        int(bot_id), self.bot.first_name, self.bot.username, None, True
                    )
            elif token != self.token:
                raise ApiError(401, "Unauthorized")

    def record(
        self,
        method: str,
        params: JSON,
        files: dict[str, bytes],
        *,
        arrived: float,
        status: int,
        response: JSON,
        hung: float = 0.0,
    ) -> Call:
        with self.lock:
            call = Call(len(self._calls), method, params, files, arrived, status, response, hung)
            self._calls.append(call)
        return call

    def downloadable(self, file_id: str) -> StoredFile:
        with self.lock:
            stored = self.files.get(file_id)
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.file_size > MAX_DOWNLOAD_BYTES:
            raise bad_request("file is too big")
        return stored


def update_kind(update: JSON) -> str:
    """ "message", "callback_query", "my_chat_member", ...: the field beside update_id."""
    return next(key for key in update if key != "update_id")
