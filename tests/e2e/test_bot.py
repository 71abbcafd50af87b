"""The bot end to end: users played through the Bot API peer, real fast-model inference."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from tests.e2e.botapi import BotApiPeer, called
from tests.e2e.harness import bot_settings, button, local_backend, running_bot, usage_rows
from tests.images import disc, encode


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
    asked = [str(c.params.get("text")) for c in peer.calls("sendMessage")]
    assert sum("as a file" in t for t in asked) == 1  # the full-quality tip, with the choice
    rows = usage_rows(settings.bot.database_path)
    assert [(r["status"], r["model"], r["width"], r["height"]) for r in rows] == [
        ("ok", "fast", 320, 240)
    ]


async def test_a_file_then_precise_with_mask_and_white_gives_an_album_of_three(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    bob = peer.user("Bob")
    chat = peer.private_chat(bob)
    async with running_bot(settings, local_backend(models_dir, "fast", "precise")):
        peer.send_document(bob, chat, encode(disc(), "PNG"), "my cat.png", "image/png")
        await peer.wait_for(called("sendMessage", chat_id=chat.id, ok=True))
        for toggle in ("Mask", "White background"):
            peer.press(bob, chat, *button(peer, chat, toggle))
            await peer.wait_for(called("editMessageReplyMarkup", ok=True), after=len(peer.calls()))
        assert "☑ Mask" in str(peer.bot_messages(chat)[-1].reply_markup)
        peer.press(bob, chat, *button(peer, chat, "Precise"))
        album = await peer.wait_for(called("sendMediaGroup", chat_id=chat.id, ok=True), timeout=60)
    names = [item["media"] for item in album.params["media"]]  # attach://… references
    files = [album.files[name.removeprefix("attach://")] for name in names]
    kinds = [Image.open(io.BytesIO(data)) for data in files]
    assert [(k.format, k.mode) for k in kinds] == [("PNG", "RGBA"), ("JPEG", "L"), ("JPEG", "RGB")]
    documents = [m.document for m in peer.bot_messages(chat) if m.document]
    assert [d["file_name"] for d in documents] == [
        "my cat.png",
        "my cat_mask.jpg",
        "my cat_white.jpg",
    ]
    assert "Precise" in str(album.params["media"][-1].get("caption"))
    rows = usage_rows(settings.bot.database_path)
    assert rows[0]["model"] == "precise"
    assert rows[0]["outputs"] == '["cutout", "mask", "white"]'


async def test_settings_persist_across_a_restart(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    carol = peer.user("Carol")
    chat = peer.private_chat(carol)
    async with running_bot(settings, local_backend(models_dir)):
        peer.send_text(carol, chat, "/settings")
        await peer.wait_for(called("sendMessage", chat_id=chat.id, ok=True))
        for toggle in ("Mask", "Format", "Ask each time"):
            peer.press(carol, chat, *button(peer, chat, toggle))
            await peer.wait_for(called("editMessageReplyMarkup", ok=True), after=len(peer.calls()))
    markup = str(peer.bot_messages(chat)[-1].reply_markup)
    assert "☑ Mask" in markup
    assert "WEBP" in markup
    assert "☐ Ask each time" in markup
    async with running_bot(settings, local_backend(models_dir)):
        peer.send_document(carol, chat, encode(disc(), "JPEG"), "cup.jpg", "image/jpeg")
        album = await peer.wait_for(called("sendMediaGroup", chat_id=chat.id, ok=True), timeout=30)
    names = [m.document["file_name"] for m in peer.bot_messages(chat) if m.document]
    assert names == ["cup.webp", "cup_mask.jpg"]  # at once, with the saved defaults
    assert not any("Choose a model" in (m.text or "") for m in peer.bot_messages(chat))
    assert len(album.params["media"]) == 2
