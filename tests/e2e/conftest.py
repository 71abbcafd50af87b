from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from telegram import Bot

from tests.e2e.botapi import BotApiPeer, running_peer

TOKEN = "123456789:AAE2e-peer-token"


@pytest.fixture
def peer() -> Iterator[BotApiPeer]:
    with running_peer() as peer:
        yield peer


@pytest.fixture
async def bot(peer: BotApiPeer) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=peer.base_url, base_file_url=peer.base_file_url) as bot:
        yield bot
