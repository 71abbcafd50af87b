"""Albums: Telegram sends each image of a media group as its own update; gather them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from telegram import Chat, Message, User
from telegram.ext import ContextTypes

from .incoming import Incoming

log = logging.getLogger(__name__)
WAIT = 1.0  # seconds of quiet after an album's last image before it is one job
ALBUM_MAX = 10

Context = ContextTypes.DEFAULT_TYPE
Accept = Callable[[Context, User, Chat, Message, list[Incoming]], Awaitable[None]]


@dataclass
class _Album:
    context: Context
    user: User
    chat: Chat
    first: Message
    images: list[Incoming] = field(default_factory=list)
    more: asyncio.Event = field(default_factory=asyncio.Event)


class AlbumCollector:
    """Collects a media group's images for WAIT seconds, then hands them on as one."""

    def __init__(self, accept: Accept, *, wait: float = WAIT) -> None:
        self._accept = accept
        self._wait = wait
        self._albums: dict[tuple[int, str], _Album] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def add(
        self, context: Context, user: User, chat: Chat, message: Message, image: Incoming
    ) -> None:
        assert message.media_group_id is not None
        key = (chat.id, message.media_group_id)
        album = self._albums.get(key)
        if album is None:
            album = self._albums[key] = _Album(context, user, chat, message)
            task = asyncio.create_task(self._flush_later(key), name=f"album-{key[1]}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        album.images.append(image)
        album.more.set()

    async def flush(self) -> None:
        """At shutdown: hand on the albums still being gathered, so none is lost."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for key in list(self._albums):
            await self._hand_on(key)

    async def _flush_later(self, key: tuple[int, str]) -> None:
        album = self._albums[key]
        while len(album.images) < ALBUM_MAX:  # wait for a quiet moment, or a full album
            album.more.clear()
            try:
                await asyncio.wait_for(album.more.wait(), self._wait)
            except TimeoutError:
                break
        await asyncio.shield(self._hand_on(key))  # once handing on, a stop can't cut it

    async def _hand_on(self, key: tuple[int, str]) -> None:
        album = self._albums.pop(key)
        images = sorted(album.images, key=lambda image: image.message_id)
        try:
            await self._accept(album.context, album.user, album.chat, album.first, images)
        except Exception:  # the error handler never sees this task; log it here
            log.exception("album %s in chat %s was not accepted", key[1], key[0])
