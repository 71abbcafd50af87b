"""Faults from Telegram, the backend and restarts, one person at a time: the bot recovers and
the person is told. A restart and a SIGKILL in the middle of a load run are in test_load.py.

PTB's defaults apply (the bot sets no timeouts): read 5 s, write 5 s, media write 20 s,
connect 5 s, pool 1 s. A Telegram answer held back longer than 5 s is a timeout.

Each test asserts what should happen; three of them began as strict xfails for bugs since fixed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from services.contract import Backend
from services.removebg import RemoveBgClient
from tests.e2e.botapi import BotApiPeer, BotMessage, Call, Chat, User, called
from tests.e2e.harness import (
    SlowBackend,
    bot_settings,
    button,
    local_backend,
    running_bot,
    usage_rows,
)
from tests.e2e.loadgen import fast_button, until, wait_settled
from tests.images import disc, encode
from tests.servers import free_port

IMAGE = encode(disc((320, 240)), "JPEG")


def errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def is_keyboard(chat: Chat) -> Callable[[Call], bool]:
    sent = called("sendMessage", chat_id=chat.id, ok=True)
    return lambda c: sent(c) and fast_button(c) is not None


async def ask_fast(peer: BotApiPeer, user: User, chat: Chat, *toggles: str) -> Call:
    """Send a photo, wait for the choice keyboard, flip `toggles` and press Fast."""
    seq = len(peer.calls())
    peer.send_photo(user, chat, IMAGE)
    keyboard = await peer.wait_for(is_keyboard(chat), after=seq, timeout=15)
    for toggle in toggles:
        peer.press(user, chat, *button(peer, chat, toggle))
        await peer.wait_for(called("editMessageReplyMarkup", ok=True), after=keyboard.seq)
    peer.press(user, chat, *button(peer, chat, "Fast"))
    return keyboard


async def said(peer: BotApiPeer, chat: Chat, text: str, timeout: float = 30) -> BotMessage:  # noqa: ASYNC109
    """The bot's message in `chat` that now says `text` (sent or edited into it)."""
    found: list[BotMessage] = []

    def check() -> bool:
        found[:] = [m for m in peer.bot_messages(chat) if text in (m.text or "")]
        return bool(found)

    await until(check, timeout)
    return found[-1]


# --- Telegram --------------------------------------------------------------------------------


async def test_flood_limits_on_messages_and_albums_are_waited_out(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    ola = peer.user("Ola")
    chat = peer.private_chat(ola)
    for method in ("sendMessage", "sendMediaGroup"):
        peer.fail_next(method, error_code=429, retry_after=1)
    async with running_bot(settings, local_backend(models_dir)):
        keyboard = await ask_fast(peer, ola, chat, "Mask")  # two files: an album
        album = await peer.wait_for(called("sendMediaGroup", ok=True), timeout=30)
        await wait_settled(settings.bot.database_path, timeout=10)
    for method, answered in (("sendMessage", keyboard), ("sendMediaGroup", album)):
        [refused] = [c for c in peer.calls(method) if not c.ok]
        assert refused.status == 429
        assert answered.time - refused.time >= 1.0  # retry_after was honoured
    assert len([m for m in peer.bot_messages(chat) if m.document]) == 2  # sent once
    assert [r["status"] for r in usage_rows(settings.bot.database_path)] == ["ok"]
    assert errors(caplog) == []


async def test_message_is_not_modified_on_a_status_edit_is_ignored(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    max_ = peer.user("Max")
    chat = peer.private_chat(max_)
    not_modified = "Bad Request: message is not modified: specified new message content and"
    peer.fail_next("editMessageText", error_code=400, description=not_modified, times=1)
    async with running_bot(settings, local_backend(models_dir)):
        await ask_fast(peer, max_, chat)
        await peer.wait_for(called("sendDocument", chat_id=chat.id, ok=True), timeout=30)
        await said(peer, chat, "✅")
    assert len([c for c in peer.calls("editMessageText") if c.status == 400]) == 1
    assert [r["status"] for r in usage_rows(settings.bot.database_path)] == ["ok"]
    assert not any("went wrong" in (m.text or "") for m in peer.bot_messages(chat))
    assert errors(caplog) == []


@pytest.mark.parametrize("how", ["silently", "with an update"])
async def test_a_user_blocking_the_bot_mid_job_ends_it_with_an_error_row(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path, caplog: pytest.LogCaptureFixture, how: str
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    hal, ivy = peer.user("Hal"), peer.user("Ivy")
    hal_chat, ivy_chat = peer.private_chat(hal), peer.private_chat(ivy)
    slow = SlowBackend(local_backend(models_dir), delay=1.0)
    async with running_bot(settings, slow):
        await ask_fast(peer, hal, hal_chat)
        await asyncio.wait_for(slow.started.wait(), 10)
        peer.block(hal_chat) if how == "silently" else peer.user_blocks_bot(hal)
        await until(lambda: len(usage_rows(settings.bot.database_path)) == 1, 15)
        await ask_fast(peer, ivy, ivy_chat)  # the bot goes on serving everyone else
        await peer.wait_for(called("sendDocument", chat_id=ivy_chat.id, ok=True), timeout=30)
        await wait_settled(settings.bot.database_path, timeout=10)
    [hal_row, ivy_row] = usage_rows(settings.bot.database_path)
    assert (hal_row["user_id"], hal_row["status"]) == (hal.id, "error")
    assert hal_row["error"].startswith(("telegram forbidden", "removed from the chat"))
    assert (ivy_row["user_id"], ivy_row["status"]) == (ivy.id, "ok")
    assert not any(m.document for m in peer.bot_messages(hal_chat))
    assert errors(caplog) == []


async def test_a_telegram_timeout_on_upload_is_reported_with_try_again(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir, telegram_timeout_seconds=3)
    uma = peer.user("Uma")
    chat = peer.private_chat(uma)
    peer.hang("sendDocument", 7)  # longer than the upload timeout, 2 x 3 s
    async with running_bot(settings, local_backend(models_dir)):
        await ask_fast(peer, uma, chat)
        status = await said(peer, chat, "Telegram didn't let me", timeout=30)
        assert "Try again" in str(status.reply_markup)
        peer.press(uma, chat, *button(peer, chat, "Try again"))
        await until(lambda: len(peer.calls("sendDocument")) == 2, 30)
        await wait_settled(settings.bot.database_path, timeout=10)
    first, again = peer.calls("sendDocument")
    assert (first.hung, again.hung) == (7, 0)
    rows = usage_rows(settings.bot.database_path)
    assert [(r["status"], r["error"]) for r in rows] == [
        ("error", "telegram: TimedOut: Timed out"),
        ("ok", None),
    ]
    # The first upload did land: the user was told it failed, and now holds two copies.
    assert len([m for m in peer.bot_messages(chat) if m.document]) == 2
    assert errors(caplog) == []


# --- the backend -----------------------------------------------------------------------------


def failing_backend(fault: str, models_dir: Path) -> Backend:
    """A backend answering 500, one too slow for the bot's 0.5 s, or one on a closed port."""
    if fault == "500":
        boom = httpx.MockTransport(lambda request: httpx.Response(500, json={"error": "boom"}))
        return RemoveBgClient("http://removebg.test", "token", retries=0, transport=boom)
    if fault == "down":
        return RemoveBgClient(f"http://127.0.0.1:{free_port()}", "token", retries=0)
    return SlowBackend(local_backend(models_dir), delay=5)


@pytest.mark.parametrize(
    ("fault", "message", "reason"),
    [
        ("500", "unavailable right now", "backend down"),
        ("slow", "took too long", "backend timeout"),
        ("down", "unavailable right now", "backend down"),
    ],
)
async def test_a_backend_fault_is_explained_with_a_try_again_button(
    peer: BotApiPeer,
    tmp_path: Path,
    models_dir: Path,
    caplog: pytest.LogCaptureFixture,
    fault: str,
    message: str,
    reason: str,
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir, removebg_timeout_seconds=0.5)
    vic = peer.user("Vic")
    chat = peer.private_chat(vic)
    async with running_bot(settings, failing_backend(fault, models_dir)):
        await ask_fast(peer, vic, chat)
        status = await said(peer, chat, message)
    assert "Try again" in str(status.reply_markup)
    [row] = usage_rows(settings.bot.database_path)
    assert (row["status"], row["error"].startswith(reason)) == ("error", True)
    assert errors(caplog) == []


# --- restarts: bugs ---------------------------------------------------------------------------


async def test_a_stop_right_after_an_upload_does_not_send_it_twice(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    wes = peer.user("Wes")
    chat = peer.private_chat(wes)
    peer.hang("sendDocument", 3)  # the upload has landed; its answer is on the way
    async with running_bot(settings, local_backend(models_dir)):
        await ask_fast(peer, wes, chat)
        await peer.wait_for(called("sendDocument", chat_id=chat.id), timeout=30)
    async with running_bot(settings, local_backend(models_dir)):
        await wait_settled(settings.bot.database_path, timeout=15)
    assert len([m for m in peer.bot_messages(chat) if m.document]) == 1


async def test_an_album_sent_just_before_a_stop_is_not_lost(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    xia = peer.user("Xia")
    chat = peer.private_chat(xia)
    async with running_bot(settings, local_backend(models_dir)):
        peer.send_album(xia, chat, [IMAGE, IMAGE])
        await until(lambda: peer.pending_updates() == 0, 10)  # the bot has both images
        assert not any(is_keyboard(chat)(c) for c in peer.calls())  # the album's 1 s is not up
    # stopping handed the album on: its keyboard went out as the bot stopped
    await peer.wait_for(is_keyboard(chat), timeout=5)


async def test_a_job_that_was_running_at_every_restart_is_given_up(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    yan = peer.user("Yan")
    chat = peer.private_chat(yan)
    for run in range(2):  # MAX_ATTEMPTS is 2: the third start gives the job up
        slow = SlowBackend(local_backend(models_dir), delay=30)
        async with running_bot(settings, slow):
            if run == 0:
                await ask_fast(peer, yan, chat)
            await asyncio.wait_for(slow.started.wait(), 10)
    async with running_bot(settings, SlowBackend(local_backend(models_dir), delay=30)):
        await said(peer, chat, "lost track of your image", timeout=5)
