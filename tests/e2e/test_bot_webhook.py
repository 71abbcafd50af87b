"""`python -m bot` in webhook mode, as a real process: Telegram's calls come in over HTTP."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import httpx

from tests.e2e.botapi import BotApiPeer, called
from tests.e2e.conftest import TOKEN
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
SECRET = "webhook-secret-42"


async def test_webhook_mode_answers_updates_posted_with_the_secret(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))},
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": peer.base_url,
        "TELEGRAM_FILE_BASE_URL": peer.base_file_url,
        "WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
        "WEBHOOK_SECRET": SECRET,
        "PORT": str(port),
        "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
        "MODELS_DIR": str(ROOT / models_dir),  # an absolute one stays as it is
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        hook = await peer.wait_for(called("setWebhook"), timeout=60)
        assert hook.params["url"] == env["WEBHOOK_URL"]
        assert hook.params["secret_token"] == SECRET
        uma = peer.user("Uma")
        chat = peer.private_chat(uma)
        message = peer.send_text(uma, chat, "/start")
        update = {"update_id": 10_000, "message": message}
        async with httpx.AsyncClient(timeout=10) as client:
            url = env["WEBHOOK_URL"]
            wrong = await client.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "no"}
            )
            assert wrong.status_code == 403
            for _ in range(50):  # the listener may still be starting
                right = await client.post(
                    url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
                )
                if right.status_code == 200:
                    break
                await asyncio.sleep(0.1)
        reply = await peer.wait_for(called("sendMessage", chat_id=chat.id, ok=True), timeout=10)
        assert "remove backgrounds" in str(reply.params["text"])
    finally:
        process.terminate()
        output = (await asyncio.wait_for(process.communicate(), 30))[0].decode()
    assert TOKEN.partition(":")[2] not in output
