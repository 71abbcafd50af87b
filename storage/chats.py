"""Chats the bot is in: its membership, so it stops writing where it was removed or blocked,
and a group's default settings, chosen by the group's admins.

A private chat whose user blocked the bot is 'kicked', and 'member' again once unblocked.
"""

from __future__ import annotations

from datetime import UTC, datetime

from .database import SharedDatabase
from .errors import ChatNotFoundError
from .times import iso
from .users import SETTINGS_COLUMNS, UserSettings, check_language

CHAT_STATUSES = ("member", "administrator", "left", "kicked")
_PRESENT = ("member", "administrator")
_GONE = ("left", "kicked")
_SETTINGS_COLUMNS = tuple(c for c in SETTINGS_COLUMNS if c != "ask_each_time")  # per user
# A status guessed by `touch` is older than any status Telegram reports.
_GUESSED_AT = iso(datetime.min.replace(tzinfo=UTC))

_RECORD = """
INSERT INTO chats (chat_id, type, title, status, added_by, status_at, updated_at)
VALUES (:chat_id, :type, :title, :status, :added_by, :status_at, :updated_at)
ON CONFLICT (chat_id) DO UPDATE SET
    type = excluded.type,
    title = coalesce(excluded.title, title),
    added_by = CASE WHEN status IN ('left', 'kicked')
        AND excluded.status IN ('member', 'administrator')
        THEN excluded.added_by ELSE added_by END,
    status = excluded.status,
    status_at = excluded.status_at,
    updated_at = max(updated_at, excluded.updated_at)
WHERE excluded.status_at >= status_at
"""


class Chats:
    """The `chats` table. Every method is safe to call from any thread."""

    def __init__(self, db: SharedDatabase) -> None:
        self._db = db

    def record_membership(
        self,
        chat_id: int,
        type: str,
        title: str | None,
        status: str,
        *,
        by: int | None,
        now: datetime,
    ) -> bool:
        """Record the bot's status in a chat, from a `my_chat_member` update (a 'restricted'
        bot is 'member' or 'left', by its `is_member`). Pass the update's date as `now`: an
        update older than the status recorded is ignored and gives False, so updates handled
        out of order leave the latest status. `by` is kept as `added_by` when the bot joins
        (new chat, or from 'left' or 'kicked'). A None `title` keeps the one known."""
        if status not in CHAT_STATUSES:
            raise ValueError(f"unknown chat status {status!r}; expected one of {CHAT_STATUSES}")
        stamp = iso(now)
        values = {
            "chat_id": chat_id,
            "type": type,
            "title": title,
            "status": status,
            "added_by": by if status in _PRESENT else None,
            "status_at": stamp,
            "updated_at": stamp,
        }
        with self._db.lock:
            return bool(self._db.execute(_RECORD, values).rowcount)

    def touch(
        self,
        chat_id: int,
        type: str,
        title: str | None,
        *,
        now: datetime,
    ) -> bool:
        """Note a chat the bot got a message in, e.g. a group it joined before chats were
        recorded. True when it was unknown: it is then a 'member', until any membership update.
        A known chat keeps its status and gets the new type and (unless None) title."""
        stamp = iso(now)
        with self._db.lock, self._db.atomic():
            inserted = self._db.execute(
                "INSERT INTO chats (chat_id, type, title, status, status_at, updated_at)"
                " VALUES (?, ?, ?, 'member', ?, ?) ON CONFLICT (chat_id) DO NOTHING",
                (chat_id, type, title, _GUESSED_AT, stamp),
            ).rowcount
            if not inserted:
                self._db.execute(
                    "UPDATE chats SET type = ?, title = coalesce(?, title),"
                    " updated_at = max(updated_at, ?) WHERE chat_id = ?",
                    (type, title, stamp, chat_id),
                )
        return bool(inserted)

    def status(self, chat_id: int) -> str | None:
        """The bot's status in the chat, or None for a chat never recorded."""
        with self._db.lock:
            row = self._db.execute(
                "SELECT status FROM chats WHERE chat_id = ?", (chat_id,)
            ).fetchone()
        return None if row is None else str(row[0])

    def can_write(self, chat_id: int) -> bool:
        """False when the bot left or was removed (or blocked, in a private chat); True for a
        chat it is in, and for an unknown one."""
        return self.status(chat_id) not in _GONE

    def group_settings(self, chat_id: int) -> UserSettings | None:
        """The group's default settings, or None when its admins never set any (or cleared
        them). `ask_each_time` is not stored for chats: it has its default value."""
        with self._db.lock:
            row = self._db.execute(
                f"SELECT {', '.join(_SETTINGS_COLUMNS)} FROM chats WHERE chat_id = ?",
                (chat_id,),
            ).fetchone()
        if row is None or row[0] is None:
            return None
        values = dict(zip(_SETTINGS_COLUMNS, row, strict=True))
        for flag in ("binary_mask", "white_background"):
            values[flag] = bool(values[flag])
        for added in ("background", "crop"):  # NULL for defaults saved before m004: none
            values[added] = values[added] or ""
        return UserSettings(**values)

    def save_group_settings(self, chat_id: int, settings: UserSettings, *, now: datetime) -> None:
        """Store `settings` (but `ask_each_time`) as the group's defaults. Raises
        ChatNotFoundError for a chat never recorded: call `touch` first."""
        values = {name: getattr(settings, name) for name in _SETTINGS_COLUMNS}
        self._set_settings(chat_id, values, now=now)

    def clear_group_settings(self, chat_id: int, *, now: datetime) -> None:
        """Forget the group's defaults, so `group_settings` is None again."""
        self._set_settings(chat_id, dict.fromkeys(_SETTINGS_COLUMNS), now=now)

    def language(self, chat_id: int) -> str | None:
        """The language the group's admins chose, or None: each asker's own."""
        with self._db.lock:
            row = self._db.execute(
                "SELECT language FROM chats WHERE chat_id = ?", (chat_id,)
            ).fetchone()
        return row[0] if row else None

    def set_language(self, chat_id: int, language: str | None, *, now: datetime) -> None:
        """Choose the group's language (None: each asker's own). Raises ChatNotFoundError for
        a chat never recorded: call `touch` first."""
        if language is not None:
            check_language(language)
        with self._db.lock:
            changed = self._db.execute(
                "UPDATE chats SET language = ?, updated_at = max(updated_at, ?) WHERE chat_id = ?",
                (language, iso(now), chat_id),
            ).rowcount
        if not changed:
            raise ChatNotFoundError(f"chat {chat_id} was never recorded")

    def _set_settings(self, chat_id: int, values: dict[str, object], *, now: datetime) -> None:
        assignments = ", ".join(f"{name} = :{name}" for name in _SETTINGS_COLUMNS)
        with self._db.lock:
            changed = self._db.execute(
                f"UPDATE chats SET {assignments}, updated_at = max(updated_at, :now)"
                " WHERE chat_id = :chat_id",
                {**values, "now": iso(now), "chat_id": chat_id},
            ).rowcount
        if not changed:
            raise ChatNotFoundError(f"chat {chat_id} was never recorded")
