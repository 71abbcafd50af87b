"""The bot end to end: users played through the Bot API peer, real fast-model inference."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from tests.e2e.botapi import BotApiPeer, called
from tests.e2e.harness import bot_settings, local_backend, running_bot, usage_rows
from tests.images import disc, encode


def button(peer: BotApiPeer, chat: object, text: str) -> tuple[int, str]:
    """(message id, callback_data) of the newest bot message button whose text has `text`."""
    for message in reversed(peer.bot_messages(chat)):  # type: ignore[arg-type]
        markup = message.reply_markup or {}
        for row in markup.get("inline_keyboard", []):
            for b in row:
                if text in b["text"]:
                    return message.message_id, b["callback_data"]
    raise LookupError(f"no button with {text!r}")


async def test_photo_then_fast_gives_a_png_with_alpha_at_full_size(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    alice = peer.user("Alice")
    chat = peer.private_chat(alice)
    async with running_bot(settings, local_backend(models_dir)):
        peer.send_photo(alice, chat, encode(disc((320, 240)), "JPEG"))
        await peer.wait_for(called("sendMessage", chat_id=chat.id, ok=True))
        message_id, data = button(peer, chat, "Fast")
        peer.press(alice, chat, message_id, data)
        sent = await peer.wait_for(called("sendDocument", chat_id=chat.id, ok=True), timeout=30)
        summary = await peer.wait_for(
            lambda c: c.method == "editMessageText" and "✅" in str(c.params.get("text")),
            after=sent.seq,
        )
    png = Image.open(io.BytesIO(sent.files["document"]))
    assert (png.format, png.mode, png.size) == ("PNG", "RGBA", (320, 240))
    assert str(sent.params["caption"]).startswith("Fast")
    assert "Redo with Precise" in str(summary.params["reply_markup"])
    texts = [m.text or "" for m in peer.bot_messages(chat)]
    assert any("as a file" in t for t in texts)  # the full-quality tip, once
    rows = usage_rows(settings.database_path)
    assert [(r["status"], r["model"], r["width"], r["height"]) for r in rows] == [
        ("ok", "fast", 320, 240)
    ]
