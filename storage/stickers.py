"""Each user's sticker set, made by the bot from their cutouts, and how many stickers it has
(so the bot can tell when Telegram's limit per set is reached)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .database import SharedDatabase
from .errors import StickerSetNotFoundError
from .times import iso, parse


@dataclass(frozen=True)
class StickerSet:
    """The set `name` (Telegram's, ending in `_by_<bot username>`) of user `user_id`."""

    user_id: int
    name: str
    count: int
    created_at: datetime
    updated_at: datetime


class StickerSets:
    """The `sticker_sets` table: one set per user. Every method is safe to call from any
    thread."""

    def __init__(self, db: SharedDatabase) -> None:
        self._db = db

    def get(self, user_id: int) -> StickerSet | None:
        """The user's set, or None before `created`."""
        with self._db.lock:
            return self._find(user_id)

    def created(self, user_id: int, name: str, *, now: datetime, count: int = 1) -> StickerSet:
        """Record the set just made for the user with its first `count` stickers (Telegram
        makes a set with at least one). A set recorded before is replaced."""
        if count < 0:
            raise ValueError(f"a sticker set cannot have {count} stickers")
        stamp = iso(now)
        with self._db.lock:
            self._db.execute(
                "INSERT INTO sticker_sets (user_id, name, created_at, updated_at, count)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET"
                " name = excluded.name, created_at = excluded.created_at,"
                " updated_at = excluded.updated_at, count = excluded.count",
                (user_id, name, stamp, stamp, count),
            )
            return self._get(user_id)

    def added(self, user_id: int, *, now: datetime) -> StickerSet:
        """Count one more sticker in the user's set. Raises StickerSetNotFoundError before
        `created`."""
        with self._db.lock:
            self._db.execute(
                "UPDATE sticker_sets SET count = count + 1, updated_at = max(updated_at, ?)"
                " WHERE user_id = ?",
                (iso(now), user_id),
            )
            return self._get(user_id)

    def _get(self, user_id: int) -> StickerSet:
        sticker_set = self._find(user_id)
        if sticker_set is None:
            raise StickerSetNotFoundError(f"user {user_id} has no sticker set")
        return sticker_set

    def _find(self, user_id: int) -> StickerSet | None:
        row = self._db.execute(
            "SELECT user_id, name, count, created_at, updated_at FROM sticker_sets"
            " WHERE user_id = ?",
            (user_id,),
        ).fetchone()
        if row is None:
            return None
        user_id, name, count, created_at, updated_at = row
        return StickerSet(user_id, name, count, parse(created_at), parse(updated_at))
