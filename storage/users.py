"""Users: when we first and last saw them, their default settings, and the one-off photo tip;
and the options a job starts with (`JobOptions`), made from those settings."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, fields
from datetime import datetime

from .database import SharedDatabase
from .errors import UserNotFoundError
from .times import iso

# The contract's names (services/contract/wire.py), which storage may not import: restated here
# once for all of storage, and kept equal to the contract's by tests/test_wire.py.
MODELS = ("fast", "precise")
IMAGE_FORMATS = ("png", "jpg", "webp")

CROPS = ("", "subject", "square", "4:5", "9:16")  # "" keeps the whole photo
BACKDROPS = ("", "blur", "photo")  # or a "#RRGGBB" colour; "" is transparent
_HEX = re.compile(r"#[0-9A-F]{6}")
_LANGUAGE = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?")  # gettext's names: "de", "pt_BR"
SETTINGS_COLUMNS = (
    "model",
    "binary_mask",
    "white_background",
    "image_format",
    "image_quality",
    "ask_each_time",
    "background",
    "crop",
)


@dataclass(frozen=True)
class Outputs:
    """The files wanted: a mask and a white background beside the cut-out, in what format
    and quality. Part of a user's defaults, and of a job's options."""

    binary_mask: bool = False
    white_background: bool = False
    image_format: str = "png"
    image_quality: int = 85
    background: str = ""  # one of BACKDROPS, or "#RRGGBB" in capitals
    crop: str = ""  # one of CROPS

    def __post_init__(self) -> None:
        if self.image_format not in IMAGE_FORMATS:
            raise ValueError(
                f"unknown image format {self.image_format!r}; expected one of {IMAGE_FORMATS}"
            )
        if isinstance(self.image_quality, bool) or not 1 <= self.image_quality <= 100:
            raise ValueError(f"image quality must be 1..100, not {self.image_quality!r}")
        if self.background not in BACKDROPS and not _HEX.fullmatch(self.background):
            raise ValueError(f"unknown background {self.background!r}")
        if self.crop not in CROPS:
            raise ValueError(f"unknown crop {self.crop!r}; expected one of {CROPS}")


@dataclass(frozen=True)
class UserSettings(Outputs):
    """A user's defaults; `ask_each_time` shows the model choice for every image."""

    model: str = "fast"
    ask_each_time: bool = True

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ValueError(f"unknown model {self.model!r}; expected one of {MODELS}")
        if self.background == "photo":
            raise ValueError("a background photo is chosen per job, not saved")
        super().__post_init__()

    def job_options(self) -> JobOptions:
        """The options a new job starts with (the `options` of `Jobs.create`)."""
        return JobOptions(**{f.name: getattr(self, f.name) for f in fields(Outputs)})


@dataclass(frozen=True)
class JobOptions(Outputs):
    """What the user asks of a job besides the model: the outputs, and the cut-out as a
    sticker too.

    The bot's own choice, stored as it is (in `jobs.options` and the usage log); the
    backend's options are made from it where the bot calls the backend.
    """

    sticker: bool = False
    background_photo: str | None = None  # the Telegram file id, when `background` is "photo"
    recompose: bool = False  # a new look on a cut-out kept from before: no model, no units
    language: str = "en"  # what the bot says about the job is said in it

    def __post_init__(self) -> None:
        super().__post_init__()
        check_language(self.language)
        if (self.background == "photo") != (self.background_photo is not None):
            raise ValueError("a photo background and its file go together")

    @property
    def has_look(self) -> bool:
        """A background or a crop: the bot composes them from a plain cut-out."""
        return bool(self.background or self.crop)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> JobOptions:
        """The options as stored by this or an earlier version: a key that version did not
        write yet takes its default, and one it wrote that we no longer know is ignored."""
        stored = json.loads(text)
        return cls(**{f.name: stored[f.name] for f in fields(cls) if f.name in stored})


def check_language(language: str) -> None:
    """ValueError for a name that is no language's ("de", "pt_BR" are)."""
    if not isinstance(language, str) or not _LANGUAGE.fullmatch(language):
        raise ValueError(f"not a language: {language!r}")


class Users:
    """The `users` table. Every method is safe to call from any thread."""

    def __init__(self, db: SharedDatabase) -> None:
        self._db = db

    def touch(self, user_id: int, username: str | None, *, now: datetime) -> bool:
        """Record that the user was seen now; True when we had never seen them before."""
        stamp = iso(now)
        with self._db.lock, self._db.atomic():
            inserted = self._db.execute(
                "INSERT INTO users (user_id, username, first_seen, last_seen) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (user_id) DO NOTHING",
                (user_id, username, stamp, stamp),
            ).rowcount
            if not inserted:
                self._db.execute(
                    "UPDATE users SET username = ?, last_seen = max(last_seen, ?)"
                    " WHERE user_id = ?",
                    (username, stamp, user_id),
                )
        return bool(inserted)

    def settings(self, user_id: int) -> UserSettings:
        """The user's saved settings, or the defaults for a user who never saved any."""
        with self._db.lock:
            row = self._db.execute(
                f"SELECT {', '.join(SETTINGS_COLUMNS)} FROM users WHERE user_id = ?", (user_id,)
            ).fetchone()
        if row is None:
            return UserSettings()
        values = dict(zip(SETTINGS_COLUMNS, row, strict=True))
        for flag in ("binary_mask", "white_background", "ask_each_time"):
            values[flag] = bool(values[flag])
        return UserSettings(**values)

    def save_settings(self, user_id: int, settings: UserSettings, *, now: datetime) -> None:
        """Store `settings` as the user's defaults (adding the user if we had never seen them)."""
        values = asdict(settings)
        stamp = iso(now)
        columns = ", ".join(SETTINGS_COLUMNS)
        placeholders = ", ".join(f":{name}" for name in SETTINGS_COLUMNS)
        updates = ", ".join(f"{name} = excluded.{name}" for name in SETTINGS_COLUMNS)
        with self._db.lock:
            self._db.execute(
                f"INSERT INTO users (user_id, first_seen, last_seen, {columns})"
                f" VALUES (:user_id, :now, :now, {placeholders})"
                f" ON CONFLICT (user_id) DO UPDATE SET {updates},"
                " last_seen = max(last_seen, excluded.last_seen)",
                {**values, "user_id": user_id, "now": stamp},
            )

    def language(self, user_id: int) -> str | None:
        """The language the user chose, or None to follow their Telegram app."""
        with self._db.lock:
            row = self._db.execute(
                "SELECT language FROM users WHERE user_id = ?", (user_id,)
            ).fetchone()
        return row[0] if row else None

    def set_language(self, user_id: int, language: str | None, *, now: datetime) -> None:
        """Choose the user's language (None: follow their Telegram app again)."""
        if language is not None:
            check_language(language)
        stamp = iso(now)
        with self._db.lock:
            self._db.execute(
                "INSERT INTO users (user_id, first_seen, last_seen, language)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET"
                " language = excluded.language, last_seen = max(last_seen, excluded.last_seen)",
                (user_id, stamp, stamp, language),
            )

    def photo_tip_due(self, user_id: int) -> bool:
        """Whether the user has yet to be told that sending a file keeps full quality."""
        with self._db.lock:
            row = self._db.execute(
                "SELECT photo_tip_shown FROM users WHERE user_id = ?", (user_id,)
            ).fetchone()
        return row is None or not row[0]

    def mark_photo_tip(self, user_id: int) -> None:
        """Remember that the user got the photo tip. Raises UserNotFoundError before `touch`."""
        with self._db.lock:
            changed = self._db.execute(
                "UPDATE users SET photo_tip_shown = 1 WHERE user_id = ?", (user_id,)
            ).rowcount
        if not changed:
            raise UserNotFoundError(f"user {user_id} was never touched")
