"""Backgrounds and crops, end to end with the real fast engine: the menus, a typed colour, a
photo as the background, and saved defaults, in a private chat and in a group."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from services.config import Settings
from services.contract import OutputOptions, RemoveBgResult
from services.contract.wire import Model
from services.removebg import RemoveBgClient
from tests.e2e.botapi import BotApiPeer, called
from tests.e2e.harness import (
    WrappedBackend,
    bot_settings,
    button,
    local_backend,
    running_bot,
    usage_rows,
)
from tests.images import disc, encode, opened
from tests.servers import TOKEN

RED = (0xE5, 0x39, 0x35)


def _logged_look(settings: Settings) -> tuple[str, str]:
    """The background and crop in the one usage row."""
    [row] = usage_rows(settings.bot.database_path)
    options = json.loads(row["options"])
    return options["background"], options["crop"]


def _corners(image: Image.Image) -> list[tuple[int, ...]]:
    pixels = np.asarray(image.convert("RGB"))
    return [tuple(int(v) for v in pixels[y, x]) for y in (2, -3) for x in (2, -3)]


def _near(colour: tuple[int, ...], wanted: tuple[int, int, int]) -> bool:
    return max(abs(a - b) for a, b in zip(colour, wanted, strict=True)) <= 6


async def test_a_red_background_and_a_square_crop_from_the_menus(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    ada = peer.user("Ada")
    chat = peer.private_chat(ada)
    async with running_bot(settings, local_backend(models_dir)):
        peer.send_document(ada, chat, encode(disc((320, 200)), "PNG"), "mug.png", "image/png")
        await peer.wait_for(called("sendMessage", chat_id=chat.id, ok=True))
        for opening, choice, shown in (
            ("Background", "Red", "Background: Red"),
            ("Crop", "Square", "Crop: Square"),
        ):
            seq = len(peer.calls())
            peer.press(ada, chat, *button(peer, chat, opening))
            await peer.wait_for(called("editMessageReplyMarkup", ok=True), after=seq)
            seq = len(peer.calls())
            peer.press(ada, chat, *button(peer, chat, choice))
            await peer.wait_for(called("editMessageReplyMarkup", ok=True), after=seq)
            button(peer, chat, shown)  # the main keyboard again, saying what was chosen
        peer.press(ada, chat, *button(peer, chat, "Fast"))
        sent = await peer.wait_for(called("sendDocument", chat_id=chat.id, ok=True), timeout=30)
    [message] = [m for m in peer.bot_messages(chat) if m.document]
    image = opened(peer.file(message.file_id or ""))
    assert sent.ok
    assert image.mode == "RGB"  # opaque: the background fills what was clear
    assert image.width == image.height
    assert all(_near(c, RED) for c in _corners(image))
    assert _logged_look(settings) == ("#E53935", "square")


async def test_a_typed_colour_becomes_the_background(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    bea = peer.user("Bea")
    chat = peer.private_chat(bea)
    async with running_bot(settings, local_backend(models_dir)):
        peer.send_document(bea, chat, encode(disc(), "PNG"), "cup.png", "image/png")
        await peer.wait_for(called("sendMessage", chat_id=chat.id, ok=True))
        peer.press(bea, chat, *button(peer, chat, "Background"))
        await peer.wait_for(called("editMessageReplyMarkup", ok=True))
        seq = len(peer.calls())
        peer.press(bea, chat, *button(peer, chat, "Custom colour"))
        ask = await peer.wait_for(called("sendMessage", chat_id=chat.id, ok=True), after=seq)
        assert "#FF8800" in str(ask.params["text"])
        seq = len(peer.calls())
        peer.send_text(bea, chat, "blorange")
        refusal = await peer.wait_for(called("sendMessage", chat_id=chat.id), after=seq)
        assert "don't know that colour" in str(refusal.params["text"])
        seq = len(peer.calls())
        peer.send_text(bea, chat, "#ff8800")
        done = await peer.wait_for(called("sendMessage", chat_id=chat.id), after=seq)
        assert "#FF8800" in str(done.params["text"])
        peer.press(bea, chat, *button(peer, chat, "Fast"))
        await peer.wait_for(called("sendDocument", chat_id=chat.id, ok=True), timeout=30)
        await peer.wait_for(lambda c: "✅" in str(c.params.get("text")), timeout=10)
        before = len(peer.bot_messages(chat))
        peer.send_text(bea, chat, "navy")  # nothing awaited any more: not the bot's business
        await peer.wait_for(lambda c: peer.pending_updates() == 0, timeout=5)
        await peer.wait_for(called("getUpdates"), after=len(peer.calls()))
    [message] = [m for m in peer.bot_messages(chat) if m.document]
    image = opened(peer.file(message.file_id or ""))
    assert all(_near(c, (0xFF, 0x88, 0x00)) for c in _corners(image))
    assert len(peer.bot_messages(chat)) == before


async def test_a_photo_sent_as_a_reply_becomes_the_background_in_a_group(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    cid = peer.user("Cid")
    group = peer.group("Shop")
    blue = np.zeros((90, 160, 3), np.uint8)
    blue[:] = (20, 60, 220)
    async with running_bot(settings, local_backend(models_dir)):
        peer.send_photo(cid, group, encode(disc(), "JPEG"), caption="/removebg")
        await peer.wait_for(called("sendMessage", chat_id=group.id, ok=True))
        peer.press(cid, group, *button(peer, group, "Background"))
        await peer.wait_for(called("editMessageReplyMarkup", ok=True))
        seq = len(peer.calls())
        peer.press(cid, group, *button(peer, group, "Photo"))
        ask = await peer.wait_for(called("sendMessage", chat_id=group.id, ok=True), after=seq)
        asked = ask.result["message_id"]
        seq = len(peer.calls())
        peer.send_photo(cid, group, encode(Image.fromarray(blue), "PNG"), reply_to=asked)
        taken = await peer.wait_for(called("sendMessage", chat_id=group.id), after=seq)
        assert "background" in str(taken.params["text"])
        button(peer, group, "Background: Photo")
        peer.press(cid, group, *button(peer, group, "Fast"))
        await peer.wait_for(called("sendDocument", chat_id=group.id, ok=True), timeout=30)
    [message] = [m for m in peer.bot_messages(group) if m.document]
    image = opened(peer.file(message.file_id or ""))
    assert all(_near(c, (20, 60, 220)) for c in _corners(image))
    [row] = usage_rows(settings.bot.database_path)
    assert json.loads(row["options"])["background"] == "photo"


async def test_saved_defaults_give_every_new_image_its_background_and_crop(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    dee = peer.user("Dee")
    chat = peer.private_chat(dee)
    async with running_bot(settings, local_backend(models_dir)):
        peer.send_text(dee, chat, "/settings")
        await peer.wait_for(called("sendMessage", chat_id=chat.id, ok=True))
        for _ in range(3):  # none → white → black → red
            seq = len(peer.calls())
            peer.press(dee, chat, *button(peer, chat, "Background"))
            await peer.wait_for(called("editMessageReplyMarkup", ok=True), after=seq)
        for _ in range(4):  # none → subject → square → 4:5 → 9:16
            seq = len(peer.calls())
            peer.press(dee, chat, *button(peer, chat, "Crop"))
            await peer.wait_for(called("editMessageReplyMarkup", ok=True), after=seq)
        button(peer, chat, "Background: Red")
        button(peer, chat, "Crop: 9:16")
        seq = len(peer.calls())
        peer.send_document(dee, chat, encode(disc(), "PNG"), "pot.png", "image/png")
        await peer.wait_for(called("sendMessage", chat_id=chat.id, ok=True), after=seq)
        button(peer, chat, "Background: Red")  # the new job starts with the defaults
        peer.press(dee, chat, *button(peer, chat, "Fast"))
        await peer.wait_for(called("sendDocument", chat_id=chat.id, ok=True), timeout=30)
    [message] = [m for m in peer.bot_messages(chat) if m.document]
    image = opened(peer.file(message.file_id or ""))
    assert abs(image.width / image.height - 9 / 16) < 0.01
    assert all(_near(c, RED) for c in _corners(image))


class CountingBackend(WrappedBackend):
    """The real engine, counting the cut-outs asked of it."""

    calls = 0

    async def remove(
        self, image: bytes, *, model: Model, options: OutputOptions | None = None
    ) -> RemoveBgResult:
        self.calls += 1
        return await self.inner.remove(image, model=model, options=options)


async def _documents(peer: BotApiPeer, chat: object, count: int) -> list[Image.Image]:
    await peer.wait_for(
        lambda c: len([m for m in peer.bot_messages(chat) if m.document]) >= count,  # type: ignore[arg-type]
        timeout=30,
    )
    sent = [m for m in peer.bot_messages(chat) if m.document]  # type: ignore[arg-type]
    return [opened(peer.file(m.file_id or "")) for m in sent]


async def test_a_new_look_on_a_result_runs_no_model_and_costs_nothing(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    eve = peer.user("Eve")
    chat = peer.private_chat(eve)
    backend = CountingBackend(local_backend(models_dir))
    async with running_bot(settings, backend):
        peer.send_document(eve, chat, encode(disc((320, 200)), "PNG"), "vase.png", "image/png")
        await peer.wait_for(called("sendMessage", chat_id=chat.id, ok=True))
        peer.press(eve, chat, *button(peer, chat, "Fast"))
        [plain] = await _documents(peer, chat, 1)
        for opening, choice, count in (
            ("New background", "Blue", 2),
            ("New crop", "Square", 3),
            ("New background", "Blur", 4),
        ):
            await _result_keyboards(peer, chat, count - 1)
            seq = len(peer.calls())
            peer.press(eve, chat, *button(peer, chat, opening))
            await peer.wait_for(called("editMessageReplyMarkup", ok=True), after=seq)
            peer.press(eve, chat, *button(peer, chat, choice))
            looks = await _documents(peer, chat, count)
    assert backend.calls == 1  # one model run: every new look came from the kept cut-out
    assert plain.mode == "RGBA"
    blue, square, blurred = looks[1:]
    assert all(_near(c, (0x1E, 0x88, 0xE5)) for c in _corners(blue))
    assert blue.size == plain.size
    assert square.width == square.height  # pressed on the newest result: still on blue
    assert all(_near(c, (0x1E, 0x88, 0xE5)) for c in _corners(square)), _corners(square)
    assert blurred.mode == "RGB"
    assert blurred.size == square.size  # blurred behind, and still square
    rows = usage_rows(settings.bot.database_path)
    assert [json.loads(r["options"])["recompose"] for r in rows] == [False, True, True, True]


async def _result_keyboards(peer: BotApiPeer, chat: object, count: int) -> None:
    """Wait until `count` status messages carry a result's keyboard."""
    await peer.wait_for(lambda _: _results(peer, chat) >= count, timeout=10)


def _results(peer: BotApiPeer, chat: object) -> int:
    """How many of the bot's messages carry a result's keyboard."""
    return sum(
        any("New background" in b["text"] for row in markup["inline_keyboard"] for b in row)
        for m in peer.bot_messages(chat)  # type: ignore[arg-type]
        if (markup := m.reply_markup)
    )


async def test_a_groups_admin_sets_its_background_and_crop_for_everyone(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    own, mem = peer.user("Owner"), peer.user("Member")
    group = peer.group("Studio", creator=own)
    async with running_bot(settings, local_backend(models_dir)):
        peer.send_text(own, group, "/settings")
        await peer.wait_for(called("sendMessage", chat_id=group.id, ok=True))
        for label, presses in (("Background", 2), ("Crop", 2)):  # black; square
            for _ in range(presses):
                seq = len(peer.calls())
                peer.press(own, group, *button(peer, group, label))
                await peer.wait_for(called("editMessageReplyMarkup", ok=True), after=seq)
        button(peer, group, "Background: Black")
        button(peer, group, "Crop: Square")
        photo = peer.send_photo(mem, group, encode(disc((300, 200)), "JPEG"))
        seq = len(peer.calls())
        peer.send_text(mem, group, "/removebg", reply_to=photo["message_id"])
        await peer.wait_for(lambda c: "Choose a model" in str(c.params.get("text")), after=seq)
        peer.press(mem, group, *button(peer, group, "Fast"))
        [image] = await _documents(peer, group, 1)
    assert image.width == image.height
    assert all(_near(c, (0, 0, 0)) for c in _corners(image))
    assert _logged_look(settings) == ("#000000", "square")


async def test_a_typed_colour_on_a_result_is_composed_on_the_kept_cutout(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    fay = peer.user("Fay")
    chat = peer.private_chat(fay)
    backend = CountingBackend(local_backend(models_dir))
    async with running_bot(settings, backend):
        peer.send_document(fay, chat, encode(disc((320, 200)), "PNG"), "bowl.png", "image/png")
        await peer.wait_for(called("sendMessage", chat_id=chat.id, ok=True))
        peer.press(fay, chat, *button(peer, chat, "Fast"))
        await _documents(peer, chat, 1)
        await _result_keyboards(peer, chat, 1)
        seq = len(peer.calls())
        peer.press(fay, chat, *button(peer, chat, "New background"))
        await peer.wait_for(called("editMessageReplyMarkup", ok=True), after=seq)
        seq = len(peer.calls())
        peer.press(fay, chat, *button(peer, chat, "Custom colour"))
        await peer.wait_for(lambda c: "#FF8800" in str(c.params.get("text")), after=seq)
        seq = len(peer.calls())
        peer.send_text(fay, chat, "teal")
        await peer.wait_for(lambda c: "#008080" in str(c.params.get("text")), after=seq)
        peer.press(fay, chat, *button(peer, chat, "Fast"))
        [_, teal] = await _documents(peer, chat, 2)
    assert backend.calls == 1
    assert all(_near(c, (0, 0x80, 0x80)) for c in _corners(teal))


async def test_a_look_over_the_http_api_is_composed_by_the_bot(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path, api_url: str
) -> None:
    """The bot asks any backend for the plain cut-out and composes the look itself: here our
    own server over real HTTP, as it would Ximilar's cloud, which knows no looks."""
    settings = bot_settings(peer, tmp_path, models_dir)
    gus = peer.user("Gus")
    chat = peer.private_chat(gus)
    async with running_bot(settings, RemoveBgClient(api_url, TOKEN, retries=0)):
        peer.send_document(gus, chat, encode(disc((320, 200)), "PNG"), "jar.png", "image/png")
        await peer.wait_for(called("sendMessage", chat_id=chat.id, ok=True))
        for opening, choice in (("Background", "Blur"), ("Crop", "4:5")):
            seq = len(peer.calls())
            peer.press(gus, chat, *button(peer, chat, opening))
            await peer.wait_for(called("editMessageReplyMarkup", ok=True), after=seq)
            seq = len(peer.calls())
            peer.press(gus, chat, *button(peer, chat, choice))
            await peer.wait_for(called("editMessageReplyMarkup", ok=True), after=seq)
        peer.press(gus, chat, *button(peer, chat, "Fast"))
        [image] = await _documents(peer, chat, 1)
    assert image.mode == "RGB"
    assert abs(image.width / image.height - 4 / 5) < 0.01
    assert _logged_look(settings) == ("blur", "4:5")


async def test_a_broken_background_photo_fails_the_job_kindly(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    hal = peer.user("Hal")
    chat = peer.private_chat(hal)
    whole = encode(disc((400, 300)), "JPEG")
    async with running_bot(settings, local_backend(models_dir)):
        peer.send_document(hal, chat, encode(disc(), "PNG"), "lamp.png", "image/png")
        await peer.wait_for(called("sendMessage", chat_id=chat.id, ok=True))
        peer.press(hal, chat, *button(peer, chat, "Background"))
        await peer.wait_for(called("editMessageReplyMarkup", ok=True))
        seq = len(peer.calls())
        peer.press(hal, chat, *button(peer, chat, "Photo"))
        await peer.wait_for(called("sendMessage", chat_id=chat.id, ok=True), after=seq)
        seq = len(peer.calls())
        peer.send_document(hal, chat, whole[: len(whole) // 3], "cut.jpg", "image/jpeg")
        await peer.wait_for(lambda c: "that photo is the background" in str(c.params), after=seq)
        seq = len(peer.calls())
        peer.press(hal, chat, *button(peer, chat, "Fast"))
        failed = await peer.wait_for(
            lambda c: "couldn't use the background photo" in str(c.params), after=seq, timeout=30
        )
    assert failed.ok
    assert not [m for m in peer.bot_messages(chat) if m.document]
    [row] = usage_rows(settings.bot.database_path)
    assert row["status"] == "error"
    assert row["error"].startswith("background:")


async def test_a_typed_colour_is_saved_as_a_default_by_a_user_and_by_a_group_admin(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    una = peer.user("Una")
    own, mem = peer.user("Owner"), peer.user("Member")
    chat, group = peer.private_chat(una), peer.group("Print shop", creator=own)
    async with running_bot(settings, local_backend(models_dir)):
        peer.send_text(una, chat, "/settings")
        await peer.wait_for(called("sendMessage", chat_id=chat.id, ok=True))
        seq = len(peer.calls())
        peer.press(una, chat, *button(peer, chat, "Custom colour"))
        ask = await peer.wait_for(called("sendMessage", chat_id=chat.id, ok=True), after=seq)
        assert "#FF8800" in str(ask.params["text"])
        seq = len(peer.calls())
        peer.send_text(una, chat, "Navy")
        saved = await peer.wait_for(called("sendMessage", chat_id=chat.id, ok=True), after=seq)
        assert saved.params["text"] == "Saved. Default background: #000080."
        assert "Background: #000080 ↻" in str(saved.params["reply_markup"])
        seq = len(peer.calls())
        peer.send_document(una, chat, encode(disc(), "PNG"), "pen.png", "image/png")
        await peer.wait_for(called("sendMessage", chat_id=chat.id, ok=True), after=seq)
        button(peer, chat, "Background: #000080")  # the saved default, on the new job
        peer.press(una, chat, *button(peer, chat, "Fast"))
        [navy] = await _documents(peer, chat, 1)

        peer.send_text(own, group, "/settings")
        await peer.wait_for(called("sendMessage", chat_id=group.id, ok=True))
        seq = len(peer.calls())
        peer.press(mem, group, *button(peer, group, "Custom colour"))  # not an admin
        refused = await peer.wait_for(called("answerCallbackQuery"), after=seq)
        assert "Only this group's admins" in str(refused.params["text"])
        seq = len(peer.calls())
        peer.press(own, group, *button(peer, group, "Custom colour"))
        ask = await peer.wait_for(called("sendMessage", chat_id=group.id, ok=True), after=seq)
        seq = len(peer.calls())
        peer.send_text(own, group, "#00ff00", reply_to=ask.result["message_id"])
        saved = await peer.wait_for(called("sendMessage", chat_id=group.id, ok=True), after=seq)
        assert saved.params["text"] == "Saved. Default background: #00FF00."
        photo = peer.send_photo(mem, group, encode(disc((300, 200)), "JPEG"))
        seq = len(peer.calls())
        peer.send_text(mem, group, "/removebg", reply_to=photo["message_id"])
        await peer.wait_for(lambda c: "Choose a model" in str(c.params.get("text")), after=seq)
        peer.press(mem, group, *button(peer, group, "Fast"))
        [green] = await _documents(peer, group, 1)
    assert all(_near(c, (0, 0, 0x80)) for c in _corners(navy))
    assert all(_near(c, (0, 0xFF, 0)) for c in _corners(green))
    backgrounds = [
        json.loads(row["options"])["background"] for row in usage_rows(settings.bot.database_path)
    ]
    assert backgrounds == ["#000080", "#00FF00"]
