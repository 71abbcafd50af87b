"""The album collector alone: when an album is handed on as one job."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any, cast

from telegram import Chat, Message, User
from telegram.ext import ContextTypes

from bot.albums import AlbumCollector
from bot.incoming import Incoming

CHAT = Chat(id=5, type="private")
USER = User(id=5, first_name="Ann", is_bot=False)
CONTEXT = cast(ContextTypes.DEFAULT_TYPE, object())


def _image(n: int) -> tuple[Message, Incoming]:
    message = Message(n, datetime.now(UTC), CHAT, from_user=USER, media_group_id="g1")
    return message, Incoming(n, f"file-{n}", f"unique-{n}", None, 100, "photo")


async def test_an_album_waits_for_an_image_whose_first_bytes_are_being_read() -> None:
    handed: list[list[int]] = []

    async def accept(*args: Any, **kwargs: Any) -> None:
        handed.append([image.message_id for image in args[4]])

    albums = AlbumCollector(accept, wait=0.05)
    first, second = _image(1), _image(2)
    albums.add(CONTEXT, USER, CHAT, *first)
    with albums.checking(CHAT.id, "g1"):  # a slow check: four times the quiet moment
        await asyncio.sleep(0.2)
    albums.add(CONTEXT, USER, CHAT, *second)
    await asyncio.sleep(0.2)
    assert handed == [[1, 2]]


async def test_without_a_check_in_flight_a_quiet_moment_ends_the_album() -> None:
    handed: list[list[int]] = []

    async def accept(*args: Any, **kwargs: Any) -> None:
        handed.append([image.message_id for image in args[4]])

    albums = AlbumCollector(accept, wait=0.05)
    albums.add(CONTEXT, USER, CHAT, *_image(1))
    await asyncio.sleep(0.2)
    albums.add(CONTEXT, USER, CHAT, *_image(2))
    await asyncio.sleep(0.2)
    assert handed == [[1], [2]]
    with albums.checking(CHAT.id, "unknown"):  # no album being gathered: nothing to hold
        pass
