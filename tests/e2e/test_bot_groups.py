"""The bot in a group chat: /removebg, results for everyone, buttons for the asker only."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.botapi import BotApiPeer, called
from tests.e2e.harness import bot_settings, local_backend, running_bot, usage_rows
from tests.e2e.test_bot import button
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
    [row] = usage_rows(settings.database_path)
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
