"""The bot in a group chat: /removebg, results for everyone, buttons for the asker only."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.botapi import BotApiPeer, Call, called
from tests.e2e.harness import bot_settings, button, local_backend, running_bot, usage_rows
from tests.e2e.loadgen import until
from tests.images import disc, encode


async def test_removebg_as_a_reply_in_a_group(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    ann, ben = peer.user("Ann"), peer.user("Ben")
    group = peer.group("Family")
    async with running_bot(settings, local_backend(models_dir)):
        peer.send_text(ann, group, "/removebg")
        howto = await peer.wait_for(called("sendMessage", chat_id=group.id, ok=True))
        assert "Reply to a photo" in str(howto.params["text"])
        photo = peer.send_photo(ben, group, encode(disc(), "JPEG"))  # unseen: privacy mode
        seq = len(peer.calls())
        peer.send_text(ann, group, "/removebg@cutout_test_bot", reply_to=photo["message_id"])
        await peer.wait_for(called("sendMessage", chat_id=group.id, ok=True), after=seq)
        message_id, fast = button(peer, group, "Fast")
        peer.press(ben, group, message_id, fast)  # not Ben's request
        alert = await peer.wait_for(called("answerCallbackQuery"), after=seq)
        assert alert.params.get("show_alert") in (True, "true")
        assert "someone else" in str(alert.params.get("text"))
        peer.press(ann, group, message_id, fast)
        sent = await peer.wait_for(called("sendDocument", chat_id=group.id, ok=True), timeout=30)
    assert sent.params.get("reply_to_message_id") == photo["message_id"] or (
        photo["message_id"] == _reply_target(sent.params)
    )
    [row] = usage_rows(settings.bot.database_path)
    assert (row["user_id"], row["chat_id"], row["chat_type"]) == (ann.id, group.id, "group")


async def test_an_image_captioned_removebg_in_a_group(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    cat = peer.user("Cat")
    group = peer.group("Friends")
    async with running_bot(settings, local_backend(models_dir)):
        peer.send_document(
            cat, group, encode(disc(), "PNG"), "mug.png", "image/png", caption="/removebg"
        )
        await peer.wait_for(called("sendMessage", chat_id=group.id, ok=True))
        peer.press(cat, group, *button(peer, group, "Fast"))
        sent = await peer.wait_for(called("sendDocument", chat_id=group.id, ok=True), timeout=30)
    assert [m.document["file_name"] for m in peer.bot_messages(group) if m.document] == ["mug.png"]
    assert sent.ok


def _reply_target(params: dict[str, object]) -> int | None:
    reply = params.get("reply_parameters")
    if isinstance(reply, dict):
        value = reply.get("message_id")
        return value if isinstance(value, int) else None
    return None


def _photos(count: int) -> list[bytes]:
    return [encode(disc((200 + 10 * i, 150)), "JPEG") for i in range(count)]


async def _keyboard_with(peer: BotApiPeer, chat_id: int, text: str) -> Call:
    return await peer.wait_for(
        lambda c: (
            c.method == "sendMessage"
            and c.ok
            and c.params.get("chat_id") == chat_id
            and text in str(c.params.get("text"))
            and "reply_markup" in c.params
        ),
        timeout=10,
    )


async def test_an_album_with_removebg_in_its_caption_is_one_job_in_a_group(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    dan = peer.user("Dan")
    group = peer.group("Trip", with_bot=False)
    peer.add_bot_to_group(dan, group, as_admin=True)  # an admin bot hears every message
    async with running_bot(settings, local_backend(models_dir)):
        sent = peer.send_album(dan, group, _photos(3), caption="/removebg")
        await _keyboard_with(peer, group.id, "3 images")
        peer.press(dan, group, *button(peer, group, "Fast"))
        album = await peer.wait_for(
            called("sendMediaGroup", chat_id=group.id, ok=True), timeout=60
        )
    offers = [
        c
        for c in peer.calls("sendMessage")
        if c.ok
        and c.params.get("chat_id") == group.id
        and "Fast" in str(c.params.get("reply_markup"))
    ]
    assert len(offers) == 1  # one keyboard for the album, none per photo
    assert _reply_target(album.params) == sent[0]["message_id"]
    rows = usage_rows(settings.bot.database_path)
    assert [(r["status"], r["width"]) for r in rows] == [("ok", 200), ("ok", 210), ("ok", 220)]


async def test_removebg_replied_to_one_photo_of_an_album_offers_it_or_all(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    eve = peer.user("Eve")
    group = peer.group("Cats", with_bot=False)
    peer.add_bot_to_group(eve, group, as_admin=True)
    async with running_bot(settings, local_backend(models_dir)):
        sent = peer.send_album(eve, group, _photos(3))
        await until(lambda: peer.pending_updates() == 0, 10)  # heard, and only noted
        peer.send_text(eve, group, "/removebg", reply_to=sent[1]["message_id"])
        await _keyboard_with(peer, group.id, "album of 3")
        peer.press(eve, group, *button(peer, group, "This photo"))
        await _keyboard_with(peer, group.id, "Choose a model")
        peer.press(eve, group, *button(peer, group, "Fast"))
        one = await peer.wait_for(called("sendDocument", chat_id=group.id, ok=True), timeout=30)
        peer.send_text(eve, group, "/removebg", reply_to=sent[2]["message_id"])
        ask = await peer.wait_for(
            lambda c: "album of 3" in str(c.params.get("text")), after=one.seq, timeout=10
        )
        peer.press(eve, group, *button(peer, group, "All 3"))
        await peer.wait_for(lambda c: "3 images" in str(c.params.get("text")), after=ask.seq)
        peer.press(eve, group, *button(peer, group, "Fast"))
        await peer.wait_for(called("sendMediaGroup", chat_id=group.id, ok=True), timeout=60)
    assert _reply_target(one.params) == sent[1]["message_id"]
    rows = usage_rows(settings.bot.database_path)
    assert [(r["status"], r["width"]) for r in rows] == [
        ("ok", 210),
        ("ok", 200),
        ("ok", 210),
        ("ok", 220),
    ]


async def test_under_privacy_mode_the_bot_does_the_photo_it_sees_and_says_why(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    fin = peer.user("Fin")
    group = peer.group("Work")  # a plain member under privacy mode: hears commands only
    async with running_bot(settings, local_backend(models_dir)):
        sent = peer.send_album(fin, group, _photos(3), caption="/removebg")
        ask = await _keyboard_with(peer, group.id, "only see this photo")
        assert "Reply /removebg to each" in str(ask.params["text"])
        peer.press(fin, group, *button(peer, group, "Fast"))
        done = await peer.wait_for(called("sendDocument", chat_id=group.id, ok=True), timeout=30)
    assert _reply_target(done.params) == sent[0]["message_id"]
    [row] = usage_rows(settings.bot.database_path)
    assert row["width"] == 200


async def test_removebg_replied_to_a_text_in_an_album_is_refused_at_once(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    gil = peer.user("Gil")
    group = peer.group("Docs", with_bot=False)
    peer.add_bot_to_group(gil, group, as_admin=True)
    notes = (b"shopping list: eggs, milk\n" * 20, "notes.jpg", "image/jpeg")
    photo = (encode(disc(), "PNG"), "disc.png", "image/png")
    async with running_bot(settings, local_backend(models_dir)):
        sent = peer.send_album(gil, group, [photo, notes], as_documents=True)
        await until(lambda: peer.pending_updates() == 0, 10)
        seq = len(peer.calls())
        peer.send_text(gil, group, "/removebg", reply_to=sent[1]["message_id"])
        await peer.wait_for(lambda c: "isn't an image" in str(c.params.get("text")), after=seq)
    asked = [c for c in peer.calls("sendMessage") if "reply_markup" in c.params]
    assert not [c for c in asked if "album of" in str(c.params.get("text"))]
    assert usage_rows(settings.bot.database_path) == []
