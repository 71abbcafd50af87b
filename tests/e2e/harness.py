"""The bot, wired as `python -m bot` wires it, polling the Bot API peer on loopback."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from telegram.ext import Application

from bot.app import build_application
from bot.context import KEY, Deps
from services.config import Settings
from services.contract import Backend, OutputOptions, RemoveBgResult
from services.contract.local import LocalBackend
from services.contract.wire import Model
from services.engine import Engine, Limits
from tests.e2e.botapi import BotApiPeer, Chat, User, called
from tests.e2e.conftest import TOKEN


def bot_settings(peer: BotApiPeer, tmp: Path, models_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_bot_token": TOKEN,
        "telegram_api_base_url": peer.base_url,
        "telegram_file_base_url": peer.base_file_url,
        "database_path": tmp / "bot.sqlite3",
        "models_dir": models_dir,
        **overrides,
    }
    return Settings(_env_file=None, **values)


def local_backend(models_dir: Path, *models: Model) -> LocalBackend:
    limits = Limits(max_bytes=30 << 20, max_pixels=20_000_000)
    return LocalBackend(Engine(models_dir, threads=2, limits=limits), warm_up=models or ("fast",))


class WrappedBackend:
    """A backend around another one; subclasses change `remove`."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def remove(
        self, image: bytes, *, model: Model, options: OutputOptions | None = None
    ) -> RemoveBgResult:
        return await self.inner.remove(image, model=model, options=options)


class SlowBackend(WrappedBackend):
    """The real engine, held back `delay` seconds before each job (to catch a job mid-way)."""

    def __init__(self, inner: Backend, delay: float) -> None:
        super().__init__(inner)
        self.delay = delay
        self.started = asyncio.Event()

    async def remove(
        self, image: bytes, *, model: Model, options: OutputOptions | None = None
    ) -> RemoveBgResult:
        self.started.set()
        await asyncio.sleep(self.delay)
        return await self.inner.remove(image, model=model, options=options)


@asynccontextmanager
async def running_bot(settings: Settings, backend: Backend) -> AsyncIterator[Application]:
    """Start polling as run_polling would (post_init, then updates), and stop it the same way."""
    app = build_application(settings, backend=backend)
    async with app:
        await app.post_init(app)  # type: ignore[misc]
        assert app.updater is not None
        await app.updater.start_polling(timeout=timedelta(seconds=1), poll_interval=0)
        await app.start()
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()
            await app.post_stop(app)  # type: ignore[misc]
            await app.post_shutdown(app)  # type: ignore[misc]


def deps(app: Application) -> Deps:
    value = app.bot_data[KEY]
    assert isinstance(value, Deps)
    return value


def usage_rows(database: Path) -> list[dict[str, Any]]:
    """The usage table as another process would read it."""
    with sqlite3.connect(database) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute("SELECT * FROM usage ORDER BY id")]


def button(peer: BotApiPeer, chat: object, text: str) -> tuple[int, str]:
    """(message id, callback_data) of the newest bot message button whose text has `text`."""
    for message in reversed(peer.bot_messages(chat)):  # type: ignore[arg-type]
        markup = message.reply_markup or {}
        for row in markup.get("inline_keyboard", []):
            for b in row:
                if text in b["text"]:
                    return message.message_id, b["callback_data"]
    raise LookupError(f"no button with {text!r}")


async def stop_mid_job(
    peer: BotApiPeer,
    settings: Settings,
    models_dir: Path,
    user: User,
    chat: Chat,
    send: Callable[[], object],
) -> None:
    """Run the bot until the job on the image `send` sends is running, then stop it there: the
    job is left 'running' in the database, for the next start to resume."""
    slow = SlowBackend(local_backend(models_dir), delay=30)
    async with running_bot(settings, slow):
        send()
        await peer.wait_for(called("sendMessage", chat_id=chat.id, ok=True))
        peer.press(user, chat, *button(peer, chat, "Fast"))
        await asyncio.wait_for(slow.started.wait(), 10)


async def skip_the_choice(peer: BotApiPeer, user: User, chat: Chat) -> None:
    """Turn off "Ask each time" in /settings, so images go straight to work."""
    peer.send_text(user, chat, "/settings")
    await peer.wait_for(called("sendMessage", chat_id=chat.id, ok=True))
    peer.press(user, chat, *button(peer, chat, "Ask each time"))
    await peer.wait_for(called("editMessageReplyMarkup", ok=True))
