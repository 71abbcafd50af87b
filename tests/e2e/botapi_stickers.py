"""Sticker sets of static stickers: upload a file, create a set, add to it, read it back.

A static sticker is a WebP or PNG whose longest side is exactly 512 px. A set's name is 1 to
64 letters, digits and underscores, starts with a letter, has no double underscore and ends
in `_by_<bot username>`; sets are found by name (case-insensitively) and belong to the user
given at creation. Animated (.tgs) and video (.webm) stickers are not modelled.
"""

from __future__ import annotations

import re
from typing import Any

from tests.e2e.botapi_messages import STICKER, media_file
from tests.e2e.botapi_objects import JSON, BotRequest, StoredFile, User, bad_request, image_format
from tests.e2e.botapi_state import StickerSet, TelegramState

SET_NAME = re.compile(r"[A-Za-z](?!.*__)[A-Za-z0-9_]{0,63}")
STATIC_FORMATS = ("WEBP", "PNG")
STICKER_SIDE = 512
MAX_NEW_SET = 50
MAX_SET = 120
SET_INVALID = "STICKERSET_INVALID"


def upload_sticker_file(tg: TelegramState, req: BotRequest) -> JSON:
    """A File to use in a set later, by file_id (no file_path until getFile)."""
    owner(tg, req)
    stored, _ = sticker_file(tg, req, None, req.require("sticker_format"))
    return stored.to_json()


def create_new_sticker_set(tg: TelegramState, req: BotRequest) -> bool:
    user = owner(tg, req)
    name, title = str(req.require("name")), str(req.require("title"))
    suffix = f"_by_{tg.bot.username}".lower()
    if not SET_NAME.fullmatch(name) or not name.lower().endswith(suffix):
        raise bad_request("invalid sticker set name is specified")
    if not 1 <= len(title) <= 64:
        raise bad_request("sticker set title must be 1-64 characters")
    if req.params.get("sticker_type", "regular") != "regular":
        raise bad_request("only regular sticker sets are modelled by this peer")
    items = req.require("stickers")
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_NEW_SET:
        raise bad_request(f"a new sticker set needs 1 to {MAX_NEW_SET} stickers")
    with tg.lock:
        if name.lower() in tg.sticker_sets:
            raise bad_request("sticker set name is already occupied")
        made = [set_sticker(tg, req, item, name) for item in items]
        tg.sticker_sets[name.lower()] = StickerSet(name, title, user.id, made)
    return True


def add_sticker_to_set(tg: TelegramState, req: BotRequest) -> bool:
    user = owner(tg, req)
    with tg.lock:
        found = tg.sticker_sets.get(str(req.require("name")).lower())
        if found is None or found.owner_id != user.id:
            raise bad_request(SET_INVALID)
        if len(found.stickers) >= MAX_SET:
            raise bad_request("STICKERS_TOO_MUCH")
        found.stickers.append(set_sticker(tg, req, req.require("sticker"), found.name))
    return True


def get_sticker_set(tg: TelegramState, req: BotRequest) -> JSON:
    with tg.lock:
        found = tg.sticker_sets.get(str(req.require("name")).lower())
        if found is None:
            raise bad_request(SET_INVALID)
        return found.to_json()


# --- checks ----------------------------------------------------------------------------------


def owner(tg: TelegramState, req: BotRequest) -> User:
    with tg.lock:
        user = tg.users.get(req.require("user_id"))
    if user is None:
        raise bad_request("user not found")
    return user


def sticker_file(
    tg: TelegramState, req: BotRequest, value: Any, sticker_format: Any
) -> tuple[StoredFile, tuple[int, int]]:
    """The upload or file_id `value`, checked as a static sticker, and its size."""
    if sticker_format != "static":
        raise bad_request(f"sticker format {sticker_format!r} is not modelled by this peer")
    stored = media_file(tg, req, value, "sticker")
    found = image_format(stored.data)
    if found is None or found[0] not in STATIC_FORMATS:
        raise bad_request("STICKER_PNG_NOPNG")
    if max(found[1]) != STICKER_SIDE:
        raise bad_request("STICKER_PNG_DIMENSIONS")
    return stored, found[1]


def set_sticker(tg: TelegramState, req: BotRequest, item: object, set_name: str) -> JSON:
    """The Sticker made from one InputSticker; sending its file_id shows it as this sticker."""
    if not isinstance(item, dict) or "sticker" not in item:
        raise bad_request("sticker is empty")
    emojis = item.get("emoji_list")
    if not isinstance(emojis, list) or not 1 <= len(emojis) <= 20:
        raise bad_request("invalid sticker emojis")
    stored, (width, height) = sticker_file(tg, req, item["sticker"], item.get("format"))
    sticker = {
        **stored.to_json(),
        **STICKER,
        "width": width,
        "height": height,
        "emoji": emojis[0],
        "set_name": set_name,
    }
    with tg.lock:
        tg.stickers[stored.file_id] = sticker
    return sticker
