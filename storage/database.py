"""Opening the bot's SQLite file: WAL, foreign keys, a busy timeout, and the migrations."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import sqlite_utils

from .migrations import MIGRATIONS

MEMORY = ":memory:"


class SharedDatabase(sqlite_utils.Database):
    """A `sqlite_utils.Database` on one connection that several threads share.

    Every storage class holds `lock` around each call, and around a whole transaction, so
    calls made through `asyncio.to_thread` never interleave on the connection. Code that uses
    the connection directly must hold `lock` as well.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        super().__init__(conn)
        self.lock = threading.RLock()

    def close(self) -> None:
        with self.lock:
            super().close()


def open_database(path: Path | str) -> SharedDatabase:
    """Open (creating it and its folder if need be) and migrate the database at `path`.

    `":memory:"` gives a private in-memory database, for quick tests.
    """
    if str(path) != MEMORY:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), check_same_thread=False)
    db = SharedDatabase(conn)
    try:
        db.execute("PRAGMA busy_timeout=5000;")
        db.execute("PRAGMA foreign_keys=ON;")
        db.enable_wal()
        MIGRATIONS.apply(db)
    except BaseException:
        db.close()
        raise
    return db
