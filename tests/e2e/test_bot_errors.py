"""Bad input, backend and Telegram failures, and restarts: every job ends in a kind answer."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import logging
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pillow_heif
import pytest
from PIL import Image

from services.removebg import RemoveBgClient
from storage import Jobs, open_database
from tests.e2e.botapi import BotApiPeer, Call, called
from tests.e2e.conftest import TOKEN
from tests.e2e.harness import (
    SlowBackend,
    bot_settings,
    button,
    local_backend,
    running_bot,
    skip_the_choice,
    stop_mid_job,
    usage_rows,
)
from tests.images import disc, encode, png_header_only, sample

ROOT = Path(__file__).resolve().parents[2]
# jobs.options as the version before the options' own model wrote it: WebP, a mask, a sticker
EARLIER_OPTIONS = (
    '{"binary_mask": true, "image_format": "webp", "image_quality": 85, "sticker": true,'
    ' "white_background": false}'
)


def heic() -> bytes:
    buffer = io.BytesIO()
    pillow_heif.from_pillow(disc()).save(buffer, format="HEIF", quality=90)
    return buffer.getvalue()


def animated_gif() -> bytes:
    frames = [disc(), disc().rotate(90), disc().rotate(180)]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)


def sixteen_bit_tiff() -> bytes:
    grey = np.asarray(disc().convert("L")).astype(np.uint16) * 257
    return encode(Image.fromarray(grey), "TIFF")


def reply_after(peer: BotApiPeer, chat_id: int, seq: int) -> str:
    """The texts the bot wrote or edited into the chat since call `seq`."""
    texts = [
        str(c.params.get("text", ""))
        for c in peer.calls()
        if c.seq > seq
        and c.method in ("sendMessage", "editMessageText")
        and c.params.get("chat_id") == chat_id
    ]
    return " | ".join(texts)


GOOD = {
    "cmyk.jpg": (lambda: encode(disc(mode="CMYK"), "JPEG", quality=95), "image/jpeg"),
    "deep.tiff": (sixteen_bit_tiff, "image/tiff"),
    "moving.gif": (animated_gif, "image/gif"),
    "phone.heic": (heic, "image/heic"),
}
BAD = {
    "empty.jpg": (lambda: b"", "image/jpeg", "empty"),
    "cut.jpg": (lambda: sample()[:4000], "image/jpeg", "broken or cut off"),
    "notes.jpg": (lambda: b"shopping list: eggs, milk\n" * 20, "image/jpeg", "isn't an image"),
    "bomb.png": (lambda: png_header_only(30000, 30000), "image/png", "too large"),
    "report.pdf": (lambda: b"%PDF-1.4 ...", "application/pdf", "isn't an image"),
    "huge.png": (lambda: b"\x89PNG" + bytes(21 * 1024 * 1024), "image/png", "20 MB"),
}


async def test_every_odd_file_gets_a_clear_answer_and_the_bot_keeps_serving(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    dave = peer.user("Dave")
    chat = peer.private_chat(dave)
    async with running_bot(settings, local_backend(models_dir)):
        await skip_the_choice(peer, dave, chat)
        for name, (make, mime) in GOOD.items():
            seq = len(peer.calls())
            peer.send_document(dave, chat, make(), name, mime)
            sent = await peer.wait_for(
                called("sendDocument", chat_id=chat.id), after=seq, timeout=30
            )
            assert sent.ok, name
            assert Image.open(io.BytesIO(sent.files["document"])).mode == "RGBA", name
        for name, (make, mime, expected) in BAD.items():
            seq = peer.calls()[-1].seq
            peer.send_document(dave, chat, make(), name, mime)
            await _answered(peer, chat.id, seq, expected, name)
    rows = usage_rows(settings.bot.database_path)
    # notes.jpg, the pdf and the >20 MB file are refused before any job: no row
    assert [r["status"] for r in rows] == ["ok"] * 4 + ["error"] * 3
    assert all(r["error"] for r in rows[4:])


async def _answered(peer: BotApiPeer, chat_id: int, seq: int, expected: str, name: str) -> None:
    for _ in range(200):
        if expected in reply_after(peer, chat_id, seq):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{name}: no answer with {expected!r}: {reply_after(peer, chat_id, seq)}")


async def test_a_text_file_named_jpg_is_refused_before_any_choice(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    gus = peer.user("Gus")
    chat = peer.private_chat(gus)
    async with running_bot(settings, local_backend(models_dir)):
        peer.send_document(
            gus, chat, b"shopping list: eggs, milk\n" * 20, "notes.jpg", "image/jpeg"
        )
        await _answered(peer, chat.id, 0, "isn't an image", "notes.jpg")
        peer.send_document(gus, chat, encode(disc(), "PNG"), "disc.jpg", "image/jpeg")
        await peer.wait_for(lambda c: c.method == "sendMessage" and "reply_markup" in c.params)
    offers = [c for c in peer.calls() if c.method == "sendMessage" and "reply_markup" in c.params]
    assert len(offers) == 1  # the choice came for the real image (a PNG named .jpg) only
    downloads = [c for c in peer.calls() if c.method == "download"]
    assert len(downloads) == 2  # each file's first bytes; no job downloaded the text
    assert usage_rows(settings.bot.database_path) == []


async def test_a_backend_that_is_down_is_reported(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    erin = peer.user("Erin")
    chat = peer.private_chat(erin)
    closed = RemoveBgClient("http://127.0.0.1:9", "token", retries=0)
    async with running_bot(settings, closed):
        peer.send_photo(erin, chat, encode(disc(), "JPEG"))
        await peer.wait_for(called("sendMessage", chat_id=chat.id, ok=True))
        peer.press(erin, chat, *button(peer, chat, "Fast"))
        await _answered(peer, chat.id, 0, "unavailable right now", "closed port")
    [row] = usage_rows(settings.bot.database_path)
    assert row["status"] == "error"
    assert row["error"].startswith("backend down")


async def test_a_telegram_500_on_upload_is_reported(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    fay = peer.user("Fay")
    chat = peer.private_chat(fay)
    peer.fail_next("sendDocument", error_code=500, description="Internal Server Error")
    async with running_bot(settings, local_backend(models_dir)):
        peer.send_photo(fay, chat, encode(disc(), "JPEG"))
        await peer.wait_for(called("sendMessage", chat_id=chat.id, ok=True))
        peer.press(fay, chat, *button(peer, chat, "Fast"))
        await _answered(peer, chat.id, 0, "Telegram didn't let me", "500 on upload")
        peer.press(fay, chat, *button(peer, chat, "Try again"))
        await peer.wait_for(called("sendDocument", chat_id=chat.id, ok=True), timeout=30)
    assert [r["status"] for r in usage_rows(settings.bot.database_path)] == ["error", "ok"]


async def test_a_restart_in_the_middle_of_a_job_resumes_it(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    gus = peer.user("Gus")
    chat = peer.private_chat(gus)
    send = functools.partial(peer.send_photo, gus, chat, encode(disc(), "JPEG"))
    await stop_mid_job(peer, settings, models_dir, gus, chat, send)
    db = open_database(settings.bot.database_path)
    [job] = Jobs(db).unfinished()
    db.close()
    assert job.state == "running"
    assert usage_rows(settings.bot.database_path) == []
    async with running_bot(settings, local_backend(models_dir)):
        sent = await peer.wait_for(called("sendDocument", chat_id=chat.id, ok=True), timeout=30)
    assert "restarted" in reply_after(peer, chat.id, 0)
    assert [r["status"] for r in usage_rows(settings.bot.database_path)] == ["ok"]
    assert isinstance(sent, Call)


async def test_a_job_pending_across_an_upgrade_runs_with_the_options_it_was_stored_with(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    ike = peer.user("Ike")
    chat = peer.private_chat(ike)
    png = encode(disc(), "PNG")
    send = functools.partial(peer.send_document, ike, chat, png, "mug.png", "image/png")
    await stop_mid_job(peer, settings, models_dir, ike, chat, send)
    with contextlib.closing(sqlite3.connect(settings.bot.database_path)) as conn, conn:
        conn.execute("UPDATE jobs SET options = ?", (EARLIER_OPTIONS,))
    async with running_bot(settings, local_backend(models_dir)):
        await peer.wait_for(called("sendSticker", chat_id=chat.id, ok=True), timeout=30)
    names = [m.document["file_name"] for m in peer.bot_messages(chat) if m.document]
    assert names == ["mug.webp", "mug_mask.jpg"]
    assert usage_rows(settings.bot.database_path)[0]["outputs"] == '["cutout", "mask", "sticker"]'


@pytest.mark.parametrize("blocked_at", ["sendMessage", "sendDocument"])
async def test_a_user_who_blocked_the_bot_is_not_retried(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path, blocked_at: str
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    hal = peer.user("Hal")
    chat = peer.private_chat(hal)
    async with running_bot(settings, local_backend(models_dir)):
        peer.send_photo(hal, chat, encode(disc(), "JPEG"))
        await peer.wait_for(called("sendMessage", chat_id=chat.id, ok=True))
        message_id, data = button(peer, chat, "Fast")
        peer.fail_next(
            blocked_at, error_code=403, description="Forbidden: bot was blocked by the user"
        )
        peer.block(chat) if blocked_at == "sendMessage" else None
        peer.press(hal, chat, message_id, data)
        for _ in range(200):
            if usage_rows(settings.bot.database_path):
                break
            await asyncio.sleep(0.05)
    [row] = usage_rows(settings.bot.database_path)
    assert row["status"] == "error"


async def test_telegram_flood_limits_are_waited_out(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = bot_settings(peer, tmp_path, models_dir)
    ola = peer.user("Ola")
    chat = peer.private_chat(ola)
    peer.fail_next(
        "sendDocument",
        error_code=429,
        description="Too Many Requests: retry after 1",
        retry_after=1,
    )
    async with running_bot(settings, local_backend(models_dir)):
        peer.send_photo(ola, chat, encode(disc(), "JPEG"))
        await peer.wait_for(called("sendMessage", chat_id=chat.id, ok=True))
        peer.press(ola, chat, *button(peer, chat, "Fast"))
        await peer.wait_for(called("sendDocument", chat_id=chat.id, ok=True), timeout=30)
    failed = [c for c in peer.calls("sendDocument") if not c.ok]
    assert len(failed) == 1
    assert [r["status"] for r in usage_rows(settings.bot.database_path)] == ["ok"]
    secret = TOKEN.partition(":")[2]
    assert caplog.records  # the bot did log
    assert secret not in caplog.text


def test_a_missing_token_is_a_clear_error(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    done = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in done.stderr


async def test_a_slow_backend_times_out_kindly(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir, removebg_timeout_seconds=0.5)
    pia = peer.user("Pia")
    chat = peer.private_chat(pia)
    async with running_bot(settings, SlowBackend(local_backend(models_dir), delay=5)):
        peer.send_photo(pia, chat, encode(disc(), "JPEG"))
        await peer.wait_for(called("sendMessage", chat_id=chat.id, ok=True))
        peer.press(pia, chat, *button(peer, chat, "Fast"))
        await _answered(peer, chat.id, 0, "took too long", "timeout")
    [row] = usage_rows(settings.bot.database_path)
    assert row["error"] == "backend timeout"
    [status] = [m for m in peer.bot_messages(chat) if "took too long" in (m.text or "")]
    assert "Try again" in str(status.reply_markup)
