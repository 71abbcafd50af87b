"""The files the bot sent back, by their Telegram file ids, so a user can share recent ones
again (e.g. from an inline query) without the bot making them anew."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .database import SharedDatabase
from .times import iso, parse

RESULT_KINDS = ("cutout", "mask", "white", "sticker")
_COLUMNS = (
    "job_id",
    "user_id",
    "chat_id",
    "kind",
    "file_id",
    "file_unique_id",
    "file_name",
    "created_at",
)


@dataclass(frozen=True)
class Result:
    """A file we sent: a cutout, a mask, a cutout on white, or a sticker. `job_id` may name
    a job that was pruned since."""

    id: int
    job_id: str | None
    user_id: int
    chat_id: int
    kind: str
    file_id: str
    file_unique_id: str
    file_name: str | None
    created_at: datetime


class Results:
    """The `results` table. Every method is safe to call from any thread."""

    def __init__(self, db: SharedDatabase) -> None:
        self._db = db

    def add(
        self,
        job_id: str | None,
        user_id: int,
        chat_id: int,
        kind: str,
        file_id: str,
        file_unique_id: str,
        file_name: str | None,
        *,
        now: datetime,
    ) -> Result:
        """Remember a file sent to `user_id` in `chat_id`, from the message Telegram returned."""
        _check_kinds((kind,))
        stamp = iso(now)
        with self._db.lock:
            cursor = self._db.execute(
                f"INSERT INTO results ({', '.join(_COLUMNS)})"
                f" VALUES ({', '.join('?' for _ in _COLUMNS)})",
                (job_id, user_id, chat_id, kind, file_id, file_unique_id, file_name, stamp),
            )
        row = (cursor.lastrowid, job_id, user_id, chat_id, kind, file_id, file_unique_id)
        return _result((*row, file_name, stamp))

    def recent(
        self, user_id: int, *, limit: int = 20, kinds: Collection[str] = ("cutout", "sticker")
    ) -> list[Result]:
        """The user's latest files of these kinds, newest first, each file once (by its
        `file_unique_id`, with its latest `file_id`)."""
        _check_kinds(kinds)
        if not kinds or limit <= 0:
            return []
        marks = ", ".join("?" for _ in kinds)
        with self._db.lock:
            rows = self._db.execute(
                f"SELECT id, {', '.join(_COLUMNS)} FROM ("
                f" SELECT *, row_number() OVER ("
                f"  PARTITION BY file_unique_id ORDER BY created_at DESC, id DESC) AS nth"
                f" FROM results WHERE user_id = ? AND kind IN ({marks})"
                f") WHERE nth = 1 ORDER BY created_at DESC, id DESC LIMIT ?",
                (user_id, *kinds, limit),
            ).fetchall()
        return [_result(row) for row in rows]

    def prune(self, *, older_than: datetime) -> int:
        """Delete the results sent before `older_than` (their file ids may stop working)."""
        with self._db.lock:
            return self._db.execute(
                "DELETE FROM results WHERE created_at < ?", (iso(older_than),)
            ).rowcount


def _result(row: Sequence[Any]) -> Result:
    values = dict(zip(("id", *_COLUMNS), row, strict=True))
    values["created_at"] = parse(values["created_at"])
    return Result(**values)


def _check_kinds(kinds: Collection[str]) -> None:
    unknown = sorted(set(kinds) - set(RESULT_KINDS))
    if unknown:
        raise ValueError(f"unknown result kinds {unknown}; expected some of {RESULT_KINDS}")
