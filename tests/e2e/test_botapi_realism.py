"""The peer fails where Telegram fails, waits where it waits, and hides what privacy hides."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputSticker,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    InvalidToken,
    NetworkError,
    TimedOut,
)

from tests.e2e.botapi import BotApiPeer, called
from tests.e2e.botapi_markup import render
from tests.e2e.botapi_objects import ApiError
from tests.e2e.conftest import TOKEN
from tests.images import disc, encode


@pytest.mark.parametrize(
    ("text", "parse_mode", "shown"),
    [
        ("<b>Done</b> &lt;3", "HTML", "Done <3"),
        ('<a href="https://x.org">link</a>', "HTML", "link"),
        (r"*Done* in 1\.5 s \- `a.b`", "MarkdownV2", "Done in 1.5 s - a.b"),
        ("[site](https://x.org/a.b)", "MarkdownV2", "site"),
        ("1. plain <b>", None, "1. plain <b>"),
    ],
)
def test_render_drops_markup(text: str, parse_mode: str | None, shown: str) -> None:
    assert render(text, parse_mode) == shown


@pytest.mark.parametrize(
    ("text", "parse_mode", "error"),
    [
        ("file <img.png>", "HTML", 'Unsupported start tag "img.png" at byte offset 5'),
        ("<b>bold", "HTML", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", "HTML", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("took 1.5 s", "MarkdownV2", "Character '.' is reserved"),
        ("*bold", "MarkdownV2", "Can't find end of Bold entity at byte offset 0"),
    ],
)
def test_render_rejects_what_telegram_rejects(text: str, parse_mode: str, error: str) -> None:
    with pytest.raises(ApiError, match="^Bad Request: can't parse entities: ") as caught:
        render(text, parse_mode)
    assert error in caught.value.description


async def test_bad_html_is_a_bad_request(peer: BotApiPeer, bot: Bot) -> None:
    chat = peer.private_chat(peer.user("Alice"))
    with pytest.raises(BadRequest, match="(?i)unsupported start tag"):
        await bot.send_message(chat.id, "Saved <cutout.png>", parse_mode=ParseMode.HTML)


@pytest.mark.parametrize(
    ("text", "error"),
    [("", "Message text is empty"), ("x" * 4097, "Message is too long")],
)
async def test_message_text_limits(peer: BotApiPeer, bot: Bot, text: str, error: str) -> None:
    chat = peer.private_chat(peer.user("Alice"))
    with pytest.raises(BadRequest, match=error):
        await bot.send_message(chat.id, text)


async def test_unknown_chat_is_not_found(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(424242, "hi")


async def test_long_callback_data_is_button_data_invalid(peer: BotApiPeer, bot: Bot) -> None:
    chat = peer.private_chat(peer.user("Alice"))
    button = InlineKeyboardButton("Go", callback_data="x" * 65)
    with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
        await bot.send_message(chat.id, "hi", reply_markup=InlineKeyboardMarkup([[button]]))


async def test_editing_an_unknown_message_is_not_found(peer: BotApiPeer, bot: Bot) -> None:
    chat = peer.private_chat(peer.user("Alice"))
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", chat_id=chat.id, message_id=99)


async def test_deleting_an_unknown_message_is_not_found(peer: BotApiPeer, bot: Bot) -> None:
    chat = peer.private_chat(peer.user("Alice"))
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(chat.id, 99)


async def test_deleted_message_is_gone(peer: BotApiPeer, bot: Bot) -> None:
    chat = peer.private_chat(peer.user("Alice"))
    first = await bot.send_message(chat.id, "Working")
    await bot.send_message(chat.id, "Done")
    assert await first.delete()
    assert [m.text for m in peer.bot_messages(chat)] == ["Done"]


async def test_file_over_20_mb_is_too_big_to_get(peer: BotApiPeer, bot: Bot) -> None:
    file_id = peer.add_file(b"big", file_size=21 * 1024 * 1024)
    with pytest.raises(BadRequest, match="File is too big"):
        await bot.get_file(file_id)
    assert await (await bot.get_file(peer.add_file(b"small"))).download_as_bytearray() == b"small"


async def test_sent_photo_and_sticker_by_file_id(peer: BotApiPeer, bot: Bot) -> None:
    chat = peer.private_chat(peer.user("Alice"))
    photo = await bot.send_photo(chat.id, encode(disc((400, 300)), "PNG"), caption="Result")
    assert [(p.width, p.height) for p in photo.photo] == [(90, 68), (320, 240), (400, 300)]
    sticker_id = peer.add_file(encode(disc((512, 512)), "WEBP"))
    sticker = await bot.send_sticker(chat.id, sticker_id)
    assert sticker.sticker is not None
    assert sticker.sticker.file_id == sticker_id
    with pytest.raises(BadRequest, match="(?i)image_process_failed"):
        await bot.send_photo(chat.id, b"not an image")


async def test_user_document_comes_down_and_goes_back_by_file_id(
    peer: BotApiPeer, bot: Bot
) -> None:
    alice = peer.user("Alice")
    chat = peer.private_chat(alice)
    data = encode(disc(), "WEBP")
    peer.send_document(alice, chat, data, "pet.webp", "image/webp", caption="/precise")

    [update] = await bot.get_updates()
    assert update.message is not None
    document = update.message.document
    assert document is not None
    assert (document.file_name, document.mime_type, document.file_size) == (
        "pet.webp",
        "image/webp",
        len(data),
    )
    assert update.message.caption_entities[0].type == "bot_command"
    assert await (await document.get_file()).download_as_bytearray() == data

    again = await bot.send_document(chat.id, document.file_id)
    assert again.document == document
    assert peer.calls("sendDocument")[0].files == {}


async def test_a_request_of_the_wrong_shape_is_a_bad_request(peer: BotApiPeer) -> None:
    chat = peer.private_chat(peer.user("Alice"))
    form = {"chat_id": str(chat.id), "media": '["x"]'}  # as PTB sends it: values JSON-encoded
    async with httpx.AsyncClient() as client:
        answer = await client.post(f"{peer.base_url}{TOKEN}/sendMediaGroup", data=form)
    assert answer.status_code == 400
    assert "could not read the request" in answer.json()["description"]
    assert peer.calls("sendMediaGroup")[0].params == {"chat_id": chat.id, "media": ["x"]}


async def test_unknown_method_is_404(peer: BotApiPeer, bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("removeBackground", api_kwargs={"chat_id": 1})
    assert peer.calls("removeBackground")[0].status == 404


async def test_a_second_token_is_unauthorized(peer: BotApiPeer, bot: Bot) -> None:
    await bot.get_me()
    other = Bot("42:other", base_url=peer.base_url, base_file_url=peer.base_file_url)
    with pytest.raises(InvalidToken):
        await other.get_me()
    assert peer.token == TOKEN


async def test_long_poll_waits_for_a_message(peer: BotApiPeer, bot: Bot) -> None:
    alice = peer.user("Alice")
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    peer.send_text(alice, peer.private_chat(alice), "/start now")

    [update] = await poll
    assert time.monotonic() - started < 2
    assert update.message is not None
    assert update.message.parse_entities() == {update.message.entities[0]: "/start"}


async def test_long_poll_returns_empty_after_its_timeout(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 < time.monotonic() - started < 3


async def test_a_second_instance_polling_ends_the_first_with_conflict(
    peer: BotApiPeer, bot: Bot
) -> None:
    older = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)  # the older poll is waiting on the peer
    async with Bot(TOKEN, base_url=peer.base_url, base_file_url=peer.base_file_url) as twin:
        assert await twin.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await older


async def test_delay_holds_the_answer(peer: BotApiPeer, bot: Bot) -> None:
    chat = peer.private_chat(peer.user("Alice"))
    peer.delay("sendMessage", 0.3)
    started = time.monotonic()
    await bot.send_message(chat.id, "slow")
    assert time.monotonic() - started >= 0.3
    call = await peer.wait_for(called("sendMessage", chat_id=chat.id, ok=True))
    assert call.params == {"chat_id": chat.id, "text": "slow"}


async def test_privacy_mode_hides_group_chatter(peer: BotApiPeer, bot: Bot) -> None:
    alice, group = peer.user("Alice"), peer.group()
    peer.send_text(alice, group, "hello everyone")
    peer.send_photo(alice, group, encode(disc(), "JPEG"))
    peer.send_text(alice, group, "/start@cutout_test_bot")

    updates = await bot.get_updates()
    assert [u.message.text for u in updates if u.message] == ["/start@cutout_test_bot"]


async def test_press_needs_the_button_on_the_message(peer: BotApiPeer, bot: Bot) -> None:
    alice = peer.user("Alice")
    chat = peer.private_chat(alice)
    sent = await bot.send_message(chat.id, "no buttons")
    with pytest.raises(LookupError, match="no button 'cancel'"):
        peer.press(alice, chat, sent.message_id, "cancel")


async def test_drop_pending_updates_forgets_them(peer: BotApiPeer, bot: Bot) -> None:
    alice = peer.user("Alice")
    peer.send_text(alice, peer.private_chat(alice), "/start")
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert peer.pending_updates() == 0


@pytest.mark.parametrize(
    ("image", "error"),
    [
        (encode(disc((512, 512)), "JPEG"), "STICKER_PNG_NOPNG"),
        (encode(disc((500, 300)), "PNG"), "STICKER_PNG_DIMENSIONS"),
        (encode(disc((300, 513)), "WEBP"), "STICKER_PNG_DIMENSIONS"),
    ],
)
async def test_static_stickers_are_512_webp_or_png(
    peer: BotApiPeer, bot: Bot, image: bytes, error: str
) -> None:
    with pytest.raises(BadRequest, match=f"(?i)^{error}$"):
        await bot.upload_sticker_file(peer.user("Alice").id, image, "static")


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("pack", "Invalid sticker set name is specified"),
        ("1pack_by_cutout_test_bot", "Invalid sticker set name is specified"),
        (f"p{'x' * 50}_by_cutout_test_bot", "Invalid sticker set name is specified"),
        ("taken_by_cutout_test_bot", "Sticker set name is already occupied"),
    ],
)
async def test_sticker_set_names(peer: BotApiPeer, bot: Bot, name: str, error: str) -> None:
    alice, sticker = (
        peer.user("Alice"),
        InputSticker(encode(disc((512, 512)), "PNG"), ["🙂"], "static"),
    )
    assert await bot.create_new_sticker_set(alice.id, "taken_by_cutout_test_bot", "T", [sticker])
    with pytest.raises(BadRequest, match=error):
        await bot.create_new_sticker_set(alice.id, name, "Mine", [sticker])
    with pytest.raises(BadRequest, match="(?i)^stickerset_invalid$"):  # not Bob's set
        await bot.add_sticker_to_set(peer.user("Bob").id, "taken_by_cutout_test_bot", sticker)
    with pytest.raises(BadRequest, match="(?i)^stickerset_invalid$"):
        await bot.get_sticker_set("unknown_by_cutout_test_bot")


async def test_a_hung_call_times_out_after_taking_effect(peer: BotApiPeer, bot: Bot) -> None:
    chat = peer.private_chat(peer.user("Alice"))
    peer.hang("sendMessage", 1.0)
    with pytest.raises(TimedOut):
        await bot.send_message(chat.id, "Done", read_timeout=0.2)
    assert [m.text for m in peer.bot_messages(chat)] == ["Done"]  # sent all the same
    assert [c.hung for c in peer.calls("sendMessage")] == [1.0]
    await bot.send_message(chat.id, "Done", read_timeout=0.2)  # only the next call hung
    assert [m.text for m in peer.bot_messages(chat)] == ["Done", "Done"]


async def test_fail_next_500_is_a_network_error(peer: BotApiPeer, bot: Bot) -> None:
    chat = peer.private_chat(peer.user("Alice"))
    peer.fail_next("sendDocument", error_code=500)
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_document(chat.id, b"x", filename="a.png")
    assert peer.bot_messages(chat) == []
