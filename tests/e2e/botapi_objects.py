"""The things a Bot API peer talks about: users, chats, files, recorded calls and errors."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, UnidentifiedImageError

JSON = dict[str, Any]
Predicate = Callable[["Call"], bool]

MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
PHOTO_SIDES = (90, 320)  # thumbnails made under the full-size photo, like Telegram's s and m
_ENTITIES = (
    ("bot_command", re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]+)?")),
    ("mention", re.compile(r"(?<![\w@/])@[A-Za-z0-9_]{5,32}\b")),
)


class ApiError(Exception):
    """An answer of `{"ok": false}` with the HTTP status Telegram uses for it."""

    def __init__(self, error_code: int, description: str, *, retry_after: int | None = None):
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


@dataclass(frozen=True)
class User:
    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = "en"
    is_bot: bool = False

    def to_json(self) -> JSON:
        data: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.username:
            data["username"] = self.username
        if self.language_code and not self.is_bot:
            data["language_code"] = self.language_code
        return data


@dataclass(frozen=True)
class Chat:
    id: int
    type: str  # "private", "group" or "supergroup"
    title: str | None = None
    first_name: str | None = None
    username: str | None = None

    @classmethod
    def private(cls, user: User) -> Chat:
        return cls(user.id, "private", first_name=user.first_name, username=user.username)

    @classmethod
    def group(cls, id: int, title: str = "Test group", *, supergroup: bool = False) -> Chat:
        if id >= 0:
            raise ValueError("group chat ids are negative")
        return cls(id, "supergroup" if supergroup else "group", title=title)

    def to_json(self) -> JSON:
        data: JSON = {"id": self.id, "type": self.type}
        for name in ("title", "first_name", "username"):
            if value := getattr(self, name):
                data[name] = value
        return data


@dataclass(frozen=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    file_size: int
    file_name: str
    mime_type: str

    def to_json(self) -> JSON:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.file_size,
        }

    def document_json(self) -> JSON:
        name = {"file_name": self.file_name} if self.file_name else {}
        return {**self.to_json(), **name, "mime_type": self.mime_type}


@dataclass(frozen=True)
class Call:
    """One request the bot made, as the peer answered it."""

    seq: int
    method: str
    params: JSON
    files: dict[str, bytes]
    time: float  # time.monotonic() when the request arrived
    status: int
    response: JSON = field(repr=False)
    hung: float = 0.0  # seconds the answer was held back after taking effect (see `hang`)

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def result(self) -> Any:
        return self.response.get("result")


def called(method: str, *, chat_id: int | None = None, ok: bool | None = None) -> Predicate:
    """A `wait_for` predicate: a call of `method`, optionally to `chat_id` and by outcome."""

    def matches(call: Call) -> bool:
        return (
            call.method.lower() == method.lower()
            and (chat_id is None or call.params.get("chat_id") == chat_id)
            and (ok is None or call.ok == ok)
        )

    return matches


@dataclass(frozen=True)
class BotMessage:
    """A message the bot sent, as it is now (after edits)."""

    message_id: int
    chat_id: int
    raw: JSON = field(repr=False)

    @property
    def text(self) -> str | None:
        return self.raw.get("text")

    @property
    def caption(self) -> str | None:
        return self.raw.get("caption")

    @property
    def reply_markup(self) -> JSON | None:
        return self.raw.get("reply_markup")

    @property
    def callback_data(self) -> list[str]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [b["callback_data"] for row in rows for b in row if "callback_data" in b]

    @property
    def document(self) -> JSON | None:
        return self.raw.get("document")

    @property
    def file_id(self) -> str | None:
        """The document's, sticker's or largest photo's file_id."""
        if photo := self.raw.get("photo"):
            return str(photo[-1]["file_id"])
        media = self.raw.get("document") or self.raw.get("sticker")
        return str(media["file_id"]) if media else None

    @property
    def media_group_id(self) -> str | None:
        return self.raw.get("media_group_id")


def text_entities(text: str) -> list[JSON]:
    """`bot_command` and `mention` entities, by offset in UTF-16 code units as Telegram counts."""
    found = [
        (match.start(), kind, match.group())
        for kind, pattern in _ENTITIES
        for match in pattern.finditer(text)
    ]
    return [
        {"type": kind, "offset": _utf16_len(text[:start]), "length": _utf16_len(part)}
        for start, kind, part in sorted(found)
    ]


def entity_text(text: str, entity: JSON) -> str:
    """The part of `text` an entity covers (offsets count UTF-16 code units)."""
    units = text.encode("utf-16-le")
    start, length = 2 * entity["offset"], 2 * entity["length"]
    return units[start : start + length].decode("utf-16-le")


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def image_size(data: bytes) -> tuple[int, int] | None:
    found = image_format(data)
    return None if found is None else found[1]


def image_format(data: bytes) -> tuple[str, tuple[int, int]] | None:
    """Pillow's name for the format ("PNG", "WEBP", ...) and the size, if `data` opens."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return str(image.format), image.size
    except (UnidentifiedImageError, OSError):
        return None


def photo_versions(data: bytes) -> list[tuple[bytes, int, int]]:
    """(bytes, width, height) from smallest to largest; the largest is `data` itself.

    Thumbnails are real JPEG downscales when `data` decodes, else `data` with made-up sizes.
    """
    size = image_size(data)
    if size is None:
        return [(data, side, side) for side in PHOTO_SIDES] + [(data, 1280, 1280)]
    width, height = size
    versions = []
    for side in PHOTO_SIDES:
        if max(width, height) <= side:
            break
        with Image.open(io.BytesIO(data)) as image:
            image.thumbnail((side, side))
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=80)
            versions.append((out.getvalue(), *image.size))
    return [*versions, (data, width, height)]


@dataclass(frozen=True)
class Upload:
    """One file part of a multipart request."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class BotRequest:
    """A decoded Bot API request: JSON-decoded parameters and uploaded parts by name."""

    method: str
    params: JSON
    uploads: dict[str, Upload]

    def require(self, name: str) -> Any:
        if name not in self.params:
            raise bad_request("message text is empty" if name == "text" else f"{name} is empty")
        return self.params[name]
