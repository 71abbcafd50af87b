"""What the handlers share, kept in `application.bot_data`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ParamSpec, TypeVar

from telegram.ext import ContextTypes

from services.contract import Backend
from storage import Chats, Jobs, Results, StickerSets, UsageLog, Users

from .albums import AlbumCollector
from .awaiting import AwaitedInputs
from .fairuse import FairUse
from .filetypes import FileSniffer
from .runner import JobRunner

P = ParamSpec("P")
T = TypeVar("T")
KEY = "deps"


@dataclass
class Deps:
    backend: Backend
    users: Users
    jobs: Jobs
    usage: UsageLog
    chats: Chats
    results: Results
    sticker_sets: StickerSets
    fair: FairUse
    albums: AlbumCollector
    sniffer: FileSniffer
    runner: JobRunner
    admins: frozenset[int]
    awaiting: AwaitedInputs = field(default_factory=AwaitedInputs)

    async def db(self, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """A storage call, off the event loop."""
        return await asyncio.to_thread(call, *args, **kwargs)


def deps_of(context: ContextTypes.DEFAULT_TYPE) -> Deps:
    deps = context.bot_data[KEY]
    assert isinstance(deps, Deps)
    return deps
