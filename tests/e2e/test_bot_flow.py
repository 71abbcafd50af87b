"""Concurrency, redo without a new upload, and the usage reports, end to end."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.botapi import BotApiPeer, called
from tests.e2e.harness import (
    SlowBackend,
    bot_settings,
    button,
    local_backend,
    running_bot,
    usage_rows,
)
from tests.images import disc, encode
from tests.servers import free_port


async def test_help_is_answered_within_a_second_while_a_precise_job_runs(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    ivy, jon = peer.user("Ivy"), peer.user("Jon")
    ivy_chat, jon_chat = peer.private_chat(ivy), peer.private_chat(jon)
    async with running_bot(settings, local_backend(models_dir, "fast", "precise")):
        peer.send_document(
            ivy, ivy_chat, encode(disc((2400, 1800)), "JPEG"), "big.jpg", "image/jpeg"
        )
        await peer.wait_for(called("sendMessage", chat_id=ivy_chat.id, ok=True))
        peer.press(ivy, ivy_chat, *button(peer, ivy_chat, "Precise"))
        await peer.wait_for(
            lambda c: "Removing the background" in str(c.params.get("text")), timeout=10
        )
        asked = time.monotonic()
        peer.send_text(jon, jon_chat, "/help")
        await peer.wait_for(called("sendMessage", chat_id=jon_chat.id, ok=True), timeout=5)
        answered = time.monotonic() - asked
        assert not peer.calls("sendDocument")  # the precise job was still running
        await peer.wait_for(called("sendDocument", chat_id=ivy_chat.id, ok=True), timeout=60)
    assert answered < 1.0


async def test_a_second_image_waits_for_the_first(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    kim = peer.user("Kim")
    chat = peer.private_chat(kim)
    slow = SlowBackend(local_backend(models_dir), delay=1.0)
    async with running_bot(settings, slow):
        for name in ("one.png", "two.png"):
            peer.send_document(kim, chat, encode(disc(), "PNG"), name, "image/png")
            await peer.wait_for(
                called("sendMessage", chat_id=chat.id, ok=True), after=len(peer.calls())
            )
        choices = [m for m in peer.bot_messages(chat) if m.reply_markup]
        for message in choices:
            peer.press(kim, chat, message.message_id, message.callback_data[0])
        await peer.wait_for(
            lambda c: "Waiting for your previous image" in str(c.params.get("text"))
        )
        await peer.wait_for(called("sendDocument", chat_id=chat.id, ok=True), timeout=30)
        second = await peer.wait_for(
            called("sendDocument", chat_id=chat.id, ok=True),
            after=peer.calls("sendDocument")[0].seq + 1,
            timeout=30,
        )
    names = [m.document["file_name"] for m in peer.bot_messages(chat) if m.document]
    assert sorted(names) == ["one.png", "two.png"]  # taps are handled concurrently
    assert second.ok


async def test_a_press_while_the_engine_is_busy_is_acknowledged_at_once(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    port = free_port()
    settings = bot_settings(peer, tmp_path, models_dir, metrics_port=port)
    ann, bob = peer.user("Ann"), peer.user("Bob")
    ann_chat, bob_chat = peer.private_chat(ann), peer.private_chat(bob)
    slow = SlowBackend(local_backend(models_dir), delay=2.0)
    async with running_bot(settings, slow):
        for user, chat in ((ann, ann_chat), (bob, bob_chat)):
            peer.send_document(user, chat, encode(disc(), "PNG"), "a.png", "image/png")
            await peer.wait_for(called("sendMessage", chat_id=chat.id, ok=True))
        seq = len(peer.calls())
        peer.press(ann, ann_chat, *button(peer, ann_chat, "Fast"))
        idle = await peer.wait_for(called("answerCallbackQuery"), after=seq)
        await asyncio.wait_for(slow.started.wait(), 10)
        seq = len(peer.calls())
        peer.press(bob, bob_chat, *button(peer, bob_chat, "Fast"))
        busy = await peer.wait_for(called("answerCallbackQuery"), after=seq)
        for chat in (ann_chat, bob_chat):
            await peer.wait_for(called("sendDocument", chat_id=chat.id, ok=True), timeout=30)
        async with httpx.AsyncClient() as http:
            text = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
    waits = {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name.startswith("bot_queue_wait_seconds")
    }
    assert waits["bot_queue_wait_seconds_count"] == 2
    assert waits["bot_queue_wait_seconds_sum"] > 1.0  # Bob waited for Ann's 2 s job
    assert "text" not in idle.params  # nothing to wait for: the status says enough
    assert "in line" in busy.params["text"]


async def test_redo_with_the_other_model_needs_no_new_upload(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    lea = peer.user("Lea")
    chat = peer.private_chat(lea)
    async with running_bot(settings, local_backend(models_dir, "fast", "precise")):
        peer.send_document(lea, chat, encode(disc(), "PNG"), "pot.png", "image/png")
        await peer.wait_for(called("sendMessage", chat_id=chat.id, ok=True))
        peer.press(lea, chat, *button(peer, chat, "Fast"))
        first = await peer.wait_for(called("sendDocument", chat_id=chat.id, ok=True), timeout=30)
        await peer.wait_for(lambda c: "Redo with Precise" in str(c.params.get("reply_markup")))
        peer.press(lea, chat, *button(peer, chat, "Redo with Precise"))
        second = await peer.wait_for(
            called("sendDocument", chat_id=chat.id, ok=True), after=first.seq + 1, timeout=60
        )
        peer.press(lea, chat, *button(peer, chat, "Other outputs"))
        await peer.wait_for(
            lambda c: "Choose a model" in str(c.params.get("text")), after=second.seq
        )
    assert str(second.params["caption"]).startswith("Precise")
    file_ids = {c.params["file_id"] for c in peer.calls("getFile")}
    assert len(file_ids) == 1  # the same upload, fetched again
    assert [r["model"] for r in usage_rows(settings.bot.database_path)] == ["fast", "precise"]


async def test_usage_for_everyone_and_stats_for_admins_only(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    max_, ned = peer.user("Max"), peer.user("Ned")
    settings = bot_settings(peer, tmp_path, models_dir, admin_user_ids=str(max_.id))
    chat = peer.private_chat(max_)
    ned_chat = peer.private_chat(ned)
    async with running_bot(settings, local_backend(models_dir)):
        peer.send_photo(max_, chat, encode(disc(), "JPEG"))
        await peer.wait_for(called("sendMessage", chat_id=chat.id, ok=True))
        peer.press(max_, chat, *button(peer, chat, "Fast"))
        await peer.wait_for(called("sendDocument", chat_id=chat.id, ok=True), timeout=30)
        await asyncio.sleep(0.2)  # the usage row is written as the summary goes out
        for who, where, command in (
            (max_, chat, "/usage"),
            (max_, chat, "/stats"),
            (ned, ned_chat, "/stats"),
        ):
            seq = len(peer.calls())
            peer.send_text(who, where, command)
            await peer.wait_for(called("sendMessage", chat_id=where.id, ok=True), after=seq)
    texts = [m.text or "" for m in peer.bot_messages(chat)]
    assert any("Today: 1 image: Fast 1" in t for t in texts)
    assert any("Jobs: 1 · errors: 0" in t and "Top users" in t for t in texts)
    assert "only for the bot's admins" in (peer.bot_messages(ned_chat)[-1].text or "")
