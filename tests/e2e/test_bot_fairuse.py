"""Fair use, group admins' defaults, membership, and forged or stale buttons."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.e2e.botapi import BotApiPeer, called
from tests.e2e.harness import (
    bot_settings,
    button,
    local_backend,
    running_bot,
    skip_the_choice,
    usage_rows,
)
from tests.images import disc, encode


async def test_the_daily_quota_counts_precise_more_and_spares_admins(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    fay, boss = peer.user("Fay"), peer.user("Boss")
    settings = bot_settings(
        peer,
        tmp_path,
        models_dir,
        daily_quota_units=5,
        precise_cost=4,
        admin_user_ids=str(boss.id),
    )
    chat, boss_chat = peer.private_chat(fay), peer.private_chat(boss)
    async with running_bot(settings, local_backend(models_dir, "fast", "precise")):
        for model, allowed in (("Precise", True), ("Fast", True), ("Fast", False)):  # 4 + 1 + 1
            seq = len(peer.calls())
            peer.send_photo(fay, chat, encode(disc(), "JPEG"))
            await peer.wait_for(lambda c: "Choose a model" in str(c.params.get("text")), after=seq)
            peer.press(fay, chat, *button(peer, chat, model))
            await peer.wait_for(called("answerCallbackQuery"), after=seq)
            if allowed:
                sent = called("sendDocument", chat_id=chat.id, ok=True)
                await peer.wait_for(sent, after=seq, timeout=60)
        refusal = peer.calls("answerCallbackQuery")[-1]
        assert refusal.params.get("show_alert") in (True, "true")
        assert "today's 5 units" in str(refusal.params.get("text"))
        assert "midnight UTC" in str(refusal.params.get("text"))
        seq = len(peer.calls())
        peer.send_text(fay, chat, "/usage")
        usage = await peer.wait_for(called("sendMessage", chat_id=chat.id, ok=True), after=seq)
        assert "Left today: 0 of 5 units" in str(usage.params["text"])
        for _ in range(3):  # admins are exempt
            seq = len(peer.calls())
            peer.send_photo(boss, boss_chat, encode(disc(), "JPEG"))
            await peer.wait_for(lambda c: "Choose a model" in str(c.params.get("text")), after=seq)
            peer.press(boss, boss_chat, *button(peer, boss_chat, "Precise"))
            await peer.wait_for(
                called("sendDocument", chat_id=boss_chat.id, ok=True), after=seq, timeout=60
            )
    assert sum(r["user_id"] == boss.id for r in usage_rows(settings.bot.database_path)) == 3


async def test_a_burst_is_rate_limited_with_a_time_to_wait(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir, rate_limit_per_minute=2)
    gil = peer.user("Gil")
    chat = peer.private_chat(gil)
    async with running_bot(settings, local_backend(models_dir)):
        await skip_the_choice(peer, gil, chat)
        for i in range(3):
            peer.send_document(gil, chat, encode(disc(), "PNG"), f"p{i}.png", "image/png")
        slow = await peer.wait_for(lambda c: "faster than I can" in str(c.params.get("text")))
        assert "seconds" in str(slow.params["text"])
        await peer.wait_for(called("sendDocument", chat_id=chat.id, ok=True), timeout=30)
    assert len(usage_rows(settings.bot.database_path)) <= 2


async def test_group_defaults_are_for_admins_and_apply_to_members(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    own, mem = peer.user("Owner"), peer.user("Member")
    group = peer.group("Club", creator=own)
    async with running_bot(settings, local_backend(models_dir)):
        peer.send_text(mem, group, "/settings")
        refused = await peer.wait_for(called("sendMessage", chat_id=group.id, ok=True))
        assert "Only this group's admins" in str(refused.params["text"])
        seq = len(peer.calls())
        peer.send_text(own, group, "/settings")
        await peer.wait_for(called("sendMessage", chat_id=group.id, ok=True), after=seq)
        message_id, data = button(peer, group, "Mask")
        peer.press(mem, group, message_id, data)  # a member can't change them
        denied = await peer.wait_for(called("answerCallbackQuery"), after=seq)
        assert "admins" in str(denied.params.get("text"))
        peer.press(own, group, message_id, data)
        await peer.wait_for(called("editMessageReplyMarkup", ok=True), after=seq)
        photo = peer.send_photo(mem, group, encode(disc(), "JPEG"))
        seq = len(peer.calls())
        peer.send_text(mem, group, "/removebg", reply_to=photo["message_id"])
        await peer.wait_for(lambda c: "Choose a model" in str(c.params.get("text")), after=seq)
        assert "☑ Mask" in str(peer.bot_messages(group)[-1].reply_markup)
        peer.press(mem, group, *button(peer, group, "Fast"))
        album = await peer.wait_for(
            called("sendMediaGroup", chat_id=group.id, ok=True), timeout=30
        )
    assert len(album.params["media"]) == 2  # the cut-out and the group's mask


async def test_membership_hello_and_silence_after_removal(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    hal = peer.user("Hal")
    group = peer.group("New", creator=hal, with_bot=False)
    async with running_bot(settings, local_backend(models_dir)):
        peer.add_bot_to_group(hal, group)
        hello = await peer.wait_for(called("sendMessage", chat_id=group.id, ok=True))
        assert "/removebg" in str(hello.params["text"])
        photo = peer.send_photo(hal, group, encode(disc(), "JPEG"))
        seq = len(peer.calls())
        peer.send_text(hal, group, "/removebg", reply_to=photo["message_id"])
        await peer.wait_for(lambda c: "Choose a model" in str(c.params.get("text")), after=seq)
        peer.remove_bot_from_group(hal, group)
        for _ in range(40):
            if usage_rows(settings.bot.database_path):
                break
            await asyncio.sleep(0.05)
    [row] = usage_rows(settings.bot.database_path)
    assert row["error"] == "removed from the chat"
    assert not [c for c in peer.calls() if c.seq > seq and c.method == "sendDocument"]


async def test_forged_and_stale_buttons_are_refused_kindly(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    ivy = peer.user("Ivy")
    chat = peer.private_chat(ivy)
    async with running_bot(settings, local_backend(models_dir)):
        peer.send_photo(ivy, chat, encode(disc(), "JPEG"))
        await peer.wait_for(lambda c: "Choose a model" in str(c.params.get("text")))
        message_id, fast = button(peer, chat, "Fast")
    async with running_bot(settings, local_backend(models_dir)):  # a restart
        for forged in ("run:nosuchjob:fast", "rm -rf /", "run:" + fast.split(":")[1] + ":turbo"):
            seq = len(peer.calls())
            peer.press_forged(ivy, chat, message_id, forged)
            alert = await peer.wait_for(called("answerCallbackQuery"), after=seq)
            assert "expired" in str(alert.params.get("text"))
        peer.press(ivy, chat, message_id, fast)  # the button from before the restart still works
        await peer.wait_for(called("sendDocument", chat_id=chat.id, ok=True), timeout=30)
