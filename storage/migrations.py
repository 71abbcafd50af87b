"""The schema, as named migrations applied in order by `open_database`.

Never edit a migration that has shipped: add the next `mNNN_…` function instead.
Model names and image formats are checked in Python (`UserSettings`), not by CHECK constraints,
so adding a model or a format needs no migration.
"""

from __future__ import annotations

import sqlite_utils

MIGRATIONS = sqlite_utils.Migrations("cutout-bot")

_USERS = """
CREATE TABLE users (
    user_id INTEGER PRIMARY KEY,
    username TEXT,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    model TEXT NOT NULL DEFAULT 'fast',
    binary_mask INTEGER NOT NULL DEFAULT 0 CHECK (binary_mask IN (0, 1)),
    white_background INTEGER NOT NULL DEFAULT 0 CHECK (white_background IN (0, 1)),
    image_format TEXT NOT NULL DEFAULT 'png',
    image_quality INTEGER NOT NULL DEFAULT 85 CHECK (image_quality BETWEEN 1 AND 100),
    ask_each_time INTEGER NOT NULL DEFAULT 1 CHECK (ask_each_time IN (0, 1)),
    photo_tip_shown INTEGER NOT NULL DEFAULT 0 CHECK (photo_tip_shown IN (0, 1))
)
"""

_USAGE = """
CREATE TABLE usage (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    username TEXT,
    chat_id INTEGER NOT NULL,
    chat_type TEXT NOT NULL,
    model TEXT NOT NULL,
    options TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(options)),
    input_bytes INTEGER NOT NULL CHECK (input_bytes >= 0),
    width INTEGER CHECK (width > 0),
    height INTEGER CHECK (height > 0),
    outputs TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(outputs)),
    processing_s REAL CHECK (processing_s >= 0),
    total_s REAL NOT NULL CHECK (total_s >= 0),
    status TEXT NOT NULL CHECK (status IN ('ok', 'error')),
    error TEXT,
    job_id TEXT,
    CHECK ((status = 'ok') = (error IS NULL))
)
"""

_JOBS = """
CREATE TABLE jobs (
    id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 12),
    user_id INTEGER NOT NULL,
    username TEXT,
    chat_id INTEGER NOT NULL,
    chat_type TEXT NOT NULL,
    source_message_id INTEGER NOT NULL,
    status_message_id INTEGER,
    file_id TEXT NOT NULL,
    file_unique_id TEXT NOT NULL,
    file_name TEXT,
    file_size INTEGER CHECK (file_size >= 0),
    kind TEXT NOT NULL CHECK (kind IN ('photo', 'document')),
    model TEXT,
    options TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(options)),
    state TEXT NOT NULL
        CHECK (state IN ('choosing', 'queued', 'running', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    error TEXT
)
"""

_INDEXES = (
    "CREATE INDEX usage_user_created ON usage (user_id, created_at)",
    "CREATE INDEX usage_created ON usage (created_at)",
    "CREATE INDEX jobs_state ON jobs (state)",
)


@MIGRATIONS()
def m001_users_usage_jobs(db: sqlite_utils.Database) -> None:
    """Users with their settings, the usage log, and the jobs not yet answered."""
    for sql in (_USERS, _USAGE, _JOBS, *_INDEXES):
        db.execute(sql)


_CHATS = """
CREATE TABLE chats (
    chat_id INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    title TEXT,
    status TEXT NOT NULL CHECK (status IN ('member', 'administrator', 'left', 'kicked')),
    added_by INTEGER,
    status_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    model TEXT,
    binary_mask INTEGER CHECK (binary_mask IN (0, 1)),
    white_background INTEGER CHECK (white_background IN (0, 1)),
    image_format TEXT,
    image_quality INTEGER CHECK (image_quality BETWEEN 1 AND 100)
)
"""

_RESULTS = """
CREATE TABLE results (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id TEXT,
    user_id INTEGER NOT NULL,
    chat_id INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('cutout', 'mask', 'white', 'sticker')),
    file_id TEXT NOT NULL,
    file_unique_id TEXT NOT NULL,
    file_name TEXT,
    created_at TEXT NOT NULL
)
"""

_STICKER_SETS = """
CREATE TABLE sticker_sets (
    user_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    count INTEGER NOT NULL DEFAULT 0 CHECK (count >= 0)
)
"""

_M002_CHANGES = (
    _CHATS,
    _RESULTS,
    _STICKER_SETS,
    "ALTER TABLE jobs ADD COLUMN batch_id TEXT",
    "CREATE INDEX jobs_batch ON jobs (batch_id) WHERE batch_id IS NOT NULL",
    "CREATE INDEX jobs_user_created ON jobs (user_id, created_at)",
    "CREATE INDEX results_user_created ON results (user_id, created_at)",
)


@MIGRATIONS()
def m002_chats_batches_results(db: sqlite_utils.Database) -> None:
    """Chats the bot is in (with group defaults), albums as job batches, the files we sent,
    and each user's sticker set."""
    for sql in _M002_CHANGES:
        db.execute(sql)


@MIGRATIONS()
def m003_every_job_in_a_batch(db: sqlite_utils.Database) -> None:
    """A job that came alone becomes a batch of one under its own id, so the buttons already
    sent for it, which carry that id, find it as a batch."""
    db.execute("UPDATE jobs SET batch_id = id WHERE batch_id IS NULL")


@MIGRATIONS()
def m004_backgrounds_and_crops(db: sqlite_utils.Database) -> None:
    """A background and a crop among a user's and a group's defaults ('' is none; a group's
    are NULL while its admins set nothing, like its other defaults)."""
    db.execute("ALTER TABLE users ADD COLUMN background TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE users ADD COLUMN crop TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE chats ADD COLUMN background TEXT")
    db.execute("ALTER TABLE chats ADD COLUMN crop TEXT")


@MIGRATIONS()
def m005_languages(db: sqlite_utils.Database) -> None:
    """The language a user or a group chose with /language; NULL follows the Telegram app
    of whoever the bot answers."""
    db.execute("ALTER TABLE users ADD COLUMN language TEXT")
    db.execute("ALTER TABLE chats ADD COLUMN language TEXT")
