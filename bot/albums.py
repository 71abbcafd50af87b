"""Albums: Telegram sends each image of a media group as its own update; gather them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from telegram import Chat, Message, User
from telegram.ext import ContextTypes

from . import texts
from .incoming import Incoming

log = logging.getLogger(__name__)
WAIT = 1.0  # seconds of quiet after an album's last image before it is one job
ALBUM_MAX = 10
SEEN_MAX = 512  # albums remembered from groups, for a later /removebg

Context = ContextTypes.DEFAULT_TYPE
Key = tuple[int, str]  # chat id, media group id


class Accept(Protocol):
    async def __call__(
        self,
        context: Context,
        user: User,
        chat: Chat,
        reply_to: Message,
        images: list[Incoming],
        *,
        note: str | None = None,
    ) -> None: ...


@dataclass(frozen=True)
class AlbumChoice:
    """A /removebg replied to one photo of an album, waiting for "this one or all?"."""

    user: User
    chat: Chat
    target: Message
    image: Incoming
    album: list[Incoming]


@dataclass
class _Album:
    context: Context
    user: User
    chat: Chat
    first: Message
    images: list[Incoming] = field(default_factory=list)
    more: asyncio.Event = field(default_factory=asyncio.Event)
    checking: int = 0  # images of it whose first bytes are being read


class AlbumCollector:
    """Collects a media group's images for WAIT seconds, then hands them on as one.

    In a group where the bot hears every message, album images that came without a command
    are remembered (`observe`), so that /removebg on the album takes all of them.
    """

    def __init__(self, accept: Accept, *, wait: float = WAIT) -> None:
        self._accept = accept
        self._wait = wait
        self._albums: dict[Key, _Album] = {}
        self._seen: OrderedDict[Key, list[Incoming]] = OrderedDict()
        self._choices: OrderedDict[tuple[int, int], AlbumChoice] = OrderedDict()
        self._tasks: set[asyncio.Task[None]] = set()

    def add(
        self, context: Context, user: User, chat: Chat, message: Message, image: Incoming
    ) -> None:
        """`image` starts (or joins) the album it belongs to, with any seen before it."""
        assert message.media_group_id is not None
        key = (chat.id, message.media_group_id)
        album = self._albums.get(key)
        if album is None:
            album = self._albums[key] = _Album(context, user, chat, message)
            album.images.extend(self._seen.pop(key, []))
            task = asyncio.create_task(self._flush_later(key), name=f"album-{key[1]}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        _append(album.images, image)
        album.more.set()

    @contextlib.contextmanager
    def checking(self, chat_id: int, group_id: str | None) -> Iterator[None]:
        """While an image of an album being gathered is checked, the album waits for it:
        reading its first bytes may take longer than the quiet moment that ends an album."""
        album = self._albums.get((chat_id, group_id)) if group_id is not None else None
        if album is None:
            yield
            return
        album.checking += 1
        try:
            yield
        finally:
            album.checking -= 1
            album.more.set()

    def observe(self, chat_id: int, group_id: str, image: Incoming) -> None:
        """An album image no command came with: it joins an album being gathered, or is kept."""
        key = (chat_id, group_id)
        if (album := self._albums.get(key)) is not None:
            _append(album.images, image)
            album.more.set()
            return
        _append(self._seen.setdefault(key, []), image)
        self._seen.move_to_end(key)
        while len(self._seen) > SEEN_MAX:
            self._seen.popitem(last=False)

    def seen(self, chat_id: int, group_id: str) -> list[Incoming]:
        """The images of an album heard so far, in order."""
        return sorted(self._seen.get((chat_id, group_id), []), key=lambda i: i.message_id)

    def ask(self, asked: Message, choice: AlbumChoice) -> None:
        """Keep `choice` until the user answers the message `asked` (the last SEEN_MAX)."""
        self._choices[(asked.chat.id, asked.message_id)] = choice
        while len(self._choices) > SEEN_MAX:
            self._choices.popitem(last=False)

    def answered(self, chat_id: int, message_id: int) -> AlbumChoice | None:
        return self._choices.pop((chat_id, message_id), None)

    def pending(self, chat_id: int, message_id: int) -> AlbumChoice | None:
        return self._choices.get((chat_id, message_id))

    async def flush(self) -> None:
        """At shutdown: hand on the albums still being gathered, so none is lost."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for key in list(self._albums):
            await self._hand_on(key)

    async def _flush_later(self, key: Key) -> None:
        album = self._albums[key]
        while len(album.images) < ALBUM_MAX:  # wait for a quiet moment, or a full album
            album.more.clear()
            try:
                await asyncio.wait_for(album.more.wait(), self._wait)
            except TimeoutError:
                if not album.checking:
                    break
        await asyncio.shield(self._hand_on(key))  # once handing on, a stop can't cut it

    async def _hand_on(self, key: Key) -> None:
        album = self._albums.pop(key)
        images = sorted(album.images, key=lambda image: image.message_id)
        # an album has 2 to 10 images: in a group, privacy mode hid the others from the bot
        note = (
            texts.ALBUM_PARTLY_SEEN if len(images) == 1 and album.chat.type != "private" else None
        )
        try:
            await self._accept(
                album.context, album.user, album.chat, album.first, images, note=note
            )
        except Exception:  # the error handler never sees this task; log it here
            log.exception("album %s in chat %s was not accepted", key[1], key[0])


def _append(images: list[Incoming], image: Incoming) -> None:
    if all(known.message_id != image.message_id for known in images):
        images.append(image)
