"""Stickers, the personal sticker set, and inline sharing of recent results."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from tests.e2e.botapi import BotApiPeer, called
from tests.e2e.harness import bot_settings, button, local_backend, running_bot, usage_rows
from tests.images import disc, encode


async def test_sticker_output_set_and_inline_sharing(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    eve = peer.user("Eve")
    chat = peer.private_chat(eve)
    async with running_bot(settings, local_backend(models_dir)):
        peer.send_document(eve, chat, encode(disc((400, 300)), "PNG"), "vase.png", "image/png")
        await peer.wait_for(called("sendMessage", chat_id=chat.id, ok=True))
        peer.press(eve, chat, *button(peer, chat, "Sticker"))
        await peer.wait_for(called("editMessageReplyMarkup", ok=True))
        peer.press(eve, chat, *button(peer, chat, "Fast"))
        sticker = await peer.wait_for(called("sendSticker", chat_id=chat.id, ok=True), timeout=30)
        summary = await peer.wait_for(lambda c: "✅" in str(c.params.get("text")))
        assert "switch_inline_query" in str(summary.params["reply_markup"])
        for attempt in range(2):  # creates the set, then adds to it
            seq = len(peer.calls())
            peer.press(eve, chat, *button(peer, chat, "Add to my sticker set"))
            method = "createNewStickerSet" if attempt == 0 else "addStickerToSet"
            await peer.wait_for(called(method, ok=True), after=seq)
            alert = await peer.wait_for(called("answerCallbackQuery"), after=seq)
            assert "addstickers/cutouts_" in str(alert.params.get("text"))
        seq = len(peer.calls())
        query_id = peer.inline_query(eve, "vase")
        await peer.wait_for(called("answerInlineQuery", ok=True), after=seq)
        answers = peer.inline_answers(query_id)
        seq = len(peer.calls())
        other = peer.inline_query(peer.user("Zed"), "")
        await peer.wait_for(called("answerInlineQuery", ok=True), after=seq)
    webp = Image.open(io.BytesIO(sticker.files["sticker"]))
    assert (webp.format, max(webp.size)) == ("WEBP", 512)
    assert {a["type"] for a in answers} == {"document", "sticker"}
    assert any(a.get("title") == "vase.png" for a in answers)
    assert peer.inline_answers(other) == []  # results are personal
    set_name = f"cutouts_{eve.id}_by_cutout_test_bot"
    stored = peer.sticker_set(set_name)
    assert stored is not None
    assert len(stored["stickers"]) == 2
    assert usage_rows(settings.bot.database_path)[0]["outputs"] == '["cutout", "sticker"]'
