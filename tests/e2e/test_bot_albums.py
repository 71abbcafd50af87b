"""Albums: one keyboard, one job for all images, results as albums of documents."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.botapi import BotApiPeer, called
from tests.e2e.harness import bot_settings, button, local_backend, running_bot, usage_rows
from tests.images import disc, encode


async def test_an_album_is_one_job_with_one_keyboard(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    ada = peer.user("Ada")
    chat = peer.private_chat(ada)
    files = [
        (encode(disc((200 + 10 * i, 150)), "PNG"), f"shot{i}.png", "image/png") for i in range(3)
    ]
    async with running_bot(settings, local_backend(models_dir)):
        peer.send_album(ada, chat, files, as_documents=True)
        ask = await peer.wait_for(called("sendMessage", chat_id=chat.id, ok=True), timeout=10)
        assert "3 images" in str(ask.params["text"])
        peer.press(ada, chat, *button(peer, chat, "Mask"))
        await peer.wait_for(called("editMessageReplyMarkup", ok=True))
        peer.press(ada, chat, *button(peer, chat, "Fast"))
        album = await peer.wait_for(called("sendMediaGroup", chat_id=chat.id, ok=True), timeout=60)
        await peer.wait_for(lambda c: "✅" in str(c.params.get("text")), after=album.seq)
    keyboards = [m for m in peer.bot_messages(chat) if "Choose a model" in (m.text or "")]
    assert len(keyboards) <= 1  # it became the summary
    names = [m.document["file_name"] for m in peer.bot_messages(chat) if m.document]
    assert names == [
        "shot0.png",
        "shot0_mask.jpg",
        "shot1.png",
        "shot1_mask.jpg",
        "shot2.png",
        "shot2_mask.jpg",
    ]
    rows = usage_rows(settings.bot.database_path)
    assert [(r["status"], r["width"]) for r in rows] == [("ok", 200), ("ok", 210), ("ok", 220)]


async def test_a_big_album_comes_back_in_albums_of_ten(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    bea = peer.user("Bea")
    chat = peer.private_chat(bea)
    photos = [encode(disc((120, 90 + i)), "JPEG") for i in range(6)]
    async with running_bot(settings, local_backend(models_dir)):
        peer.send_album(bea, chat, photos)
        await peer.wait_for(lambda c: "6 images" in str(c.params.get("text")), timeout=10)
        for toggle in ("Mask", "White background"):
            peer.press(bea, chat, *button(peer, chat, toggle))
            await peer.wait_for(called("editMessageReplyMarkup", ok=True), after=len(peer.calls()))
        peer.press(bea, chat, *button(peer, chat, "Fast"))
        await peer.wait_for(lambda c: "✅" in str(c.params.get("text")), timeout=60)
    albums = [c for c in peer.calls("sendMediaGroup") if c.ok]
    assert [len(c.params["media"]) for c in albums] == [10, 8]  # 6 images x 3 files
    assert len(usage_rows(settings.bot.database_path)) == 6
