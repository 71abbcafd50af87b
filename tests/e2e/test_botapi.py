"""The Bot API peer against PTB itself: what a bot sends and receives looks like Telegram."""

from __future__ import annotations

import datetime as dtm

import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultCachedDocument,
    InlineQueryResultCachedPhoto,
    InputMediaDocument,
    InputSticker,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes

from tests.e2e.botapi import BotApiPeer, called
from tests.e2e.conftest import TOKEN
from tests.images import disc, encode

CANCEL = InlineKeyboardMarkup([[InlineKeyboardButton("Cancel", callback_data="cancel")]])
SET_NAME = "cutouts_123_by_cutout_test_bot"


async def test_get_me_is_the_bot_of_the_token(peer: BotApiPeer, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456789, "cutout_test_bot", True)
    assert peer.token == TOKEN
    assert peer.calls("getMe")[0].ok


async def test_edit_replaces_text_and_drops_the_keyboard(peer: BotApiPeer, bot: Bot) -> None:
    chat = peer.private_chat(peer.user("Alice"))
    sent = await bot.send_message(
        chat.id, "<b>Working</b> on it", parse_mode=ParseMode.HTML, reply_markup=CANCEL
    )
    assert sent.text == "Working on it"
    assert sent.reply_markup == CANCEL

    await bot.edit_message_text("Done", chat_id=chat.id, message_id=sent.message_id)

    [now] = peer.bot_messages(chat)
    assert (now.text, now.reply_markup) == ("Done", None)


async def test_editing_to_the_same_text_is_not_modified(peer: BotApiPeer, bot: Bot) -> None:
    chat = peer.private_chat(peer.user("Alice"))
    sent = await bot.send_message(chat.id, "Done", reply_markup=CANCEL)

    with pytest.raises(BadRequest, match="^Message is not modified: specified new message"):
        await sent.edit_text("Done", reply_markup=CANCEL)
    assert peer.calls("editMessageText")[-1].status == 400


async def test_document_upload_downloads_the_same_bytes(peer: BotApiPeer, bot: Bot) -> None:
    chat = peer.private_chat(peer.user("Alice"))
    data = encode(disc(), "PNG")

    sent = await bot.send_document(chat.id, data, filename="cutout.png", caption="Here")
    assert sent.document is not None
    assert (sent.document.file_name, sent.document.mime_type) == ("cutout.png", "image/png")
    assert peer.calls("sendDocument")[0].files == {"document": data}

    file = await bot.get_file(sent.document.file_id)
    assert file.file_path is not None
    assert file.file_path.startswith(f"{peer.base_file_url}{TOKEN}/documents/")
    assert await file.download_as_bytearray() == data


async def test_media_group_of_three_documents(peer: BotApiPeer, bot: Bot) -> None:
    chat = peer.private_chat(peer.user("Alice"))
    images = [encode(disc((40 + i, 30)), "PNG") for i in range(3)]
    media = [InputMediaDocument(d, filename=f"cutout-{i}.png") for i, d in enumerate(images)]

    sent = await bot.send_media_group(chat.id, media, caption="Your cutouts")

    assert len({m.media_group_id for m in sent}) == 1
    assert [m.document.file_name for m in sent if m.document] == [
        "cutout-0.png",
        "cutout-1.png",
        "cutout-2.png",
    ]
    assert [peer.file(m.document.file_id) for m in sent if m.document] == images
    assert [m.caption for m in peer.bot_messages(chat)] == ["Your cutouts", None, None]


async def test_user_photo_arrives_with_its_largest_size_downloadable(
    peer: BotApiPeer, bot: Bot
) -> None:
    alice = peer.user("Alice")
    photo = encode(disc((640, 480)), "JPEG")
    peer.send_photo(alice, peer.private_chat(alice), photo, caption="remove bg please")

    [update] = await bot.get_updates(timeout=1)

    assert update.message is not None
    assert update.message.caption == "remove bg please"
    sizes = update.message.photo
    assert [(s.width, s.height) for s in sizes] == [(90, 68), (320, 240), (640, 480)]
    largest = await sizes[-1].get_file()
    assert await largest.download_as_bytearray() == photo
    assert await bot.get_updates(offset=update.update_id + 1) == ()
    assert peer.pending_updates() == 0


async def test_button_press_arrives_as_a_callback_query(peer: BotApiPeer, bot: Bot) -> None:
    alice = peer.user("Alice")
    chat = peer.private_chat(alice)
    sent = await bot.send_message(chat.id, "Working", reply_markup=CANCEL)

    query_id = peer.press(alice, chat, sent.message_id, "cancel")
    [update] = await bot.get_updates(timeout=1)

    query = update.callback_query
    assert query is not None
    assert (query.id, query.data, query.from_user.id) == (query_id, "cancel", alice.id)
    assert query.message is not None
    assert query.message.message_id == sent.message_id
    assert await query.answer("Only Ann can press this", show_alert=True)
    assert peer.callback_answer(query_id) == {
        "text": "Only Ann can press this",
        "show_alert": True,
    }
    with pytest.raises(BadRequest, match="^Query is too old"):
        await query.answer()


async def test_fail_next_429_raises_retry_after_once(
    peer: BotApiPeer, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # retry_after as a timedelta, without warnings
    chat = peer.private_chat(peer.user("Alice"))
    peer.fail_next(
        "sendMessage",
        error_code=429,
        description="Too Many Requests: retry after 7",
        retry_after=7,
    )

    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(chat.id, "hi")
    assert caught.value.retry_after == dtm.timedelta(seconds=7)
    assert peer.calls("sendMessage")[0].response["parameters"] == {"retry_after": 7}

    assert (await bot.send_message(chat.id, "hi")).text == "hi"


async def test_blocked_chat_raises_forbidden(peer: BotApiPeer, bot: Bot) -> None:
    chat = peer.private_chat(peer.user("Alice"))
    peer.block(chat)

    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_document(chat.id, b"png", filename="cutout.png")
    assert peer.bot_messages(chat) == []


async def test_application_answers_start_over_polling(peer: BotApiPeer) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Greet the user."""
        assert update.effective_message is not None
        await update.effective_message.reply_text("Send me a photo")

    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(peer.base_url)
        .base_file_url(peer.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    alice = peer.user("Alice")
    chat = peer.private_chat(alice)

    async with app:
        assert app.updater is not None
        await app.updater.start_polling(timeout=dtm.timedelta(seconds=2))
        await app.start()
        peer.send_text(alice, chat, "/start")
        call = await peer.wait_for(called("sendMessage", chat_id=chat.id))
        await app.updater.stop()
        await app.stop()

    assert call.params["text"] == "Send me a photo"
    assert [m.text for m in peer.bot_messages(chat)] == ["Send me a photo"]
    assert peer.pending_updates() == 0


async def test_sticker_set_from_an_upload_and_a_file_id(peer: BotApiPeer, bot: Bot) -> None:
    alice = peer.user("Alice")
    wide, square = encode(disc((512, 300)), "WEBP"), encode(disc((512, 512)), "PNG")
    uploaded = await bot.upload_sticker_file(alice.id, wide, "static")
    assert peer.file(uploaded.file_id) == wide

    assert await bot.create_new_sticker_set(
        alice.id,
        SET_NAME,
        "Alice's cutouts",
        [InputSticker(uploaded.file_id, ["🐱"], "static"), InputSticker(square, ["🙂"], "static")],
    )
    assert await bot.add_sticker_to_set(
        alice.id, SET_NAME, InputSticker(square, ["😀", "🎉"], "static")
    )

    found = await bot.get_sticker_set(SET_NAME.upper())
    assert (found.name, found.title, found.sticker_type) == (
        SET_NAME,
        "Alice's cutouts",
        "regular",
    )
    assert [(s.emoji, s.width, s.height) for s in found.stickers] == [
        ("🐱", 512, 300),
        ("🙂", 512, 512),
        ("😀", 512, 512),
    ]
    sent = await bot.send_sticker(peer.private_chat(alice).id, found.stickers[0].file_id)
    assert sent.sticker == found.stickers[0]
    assert peer.sticker_set(SET_NAME) == found.to_dict()


async def test_sticker_upload_is_sent_and_recorded(peer: BotApiPeer, bot: Bot) -> None:
    chat = peer.private_chat(peer.user("Alice"))
    webp = encode(disc((512, 384)), "WEBP")
    sent = await bot.send_sticker(chat.id, webp, emoji="✂")
    assert sent.sticker is not None
    assert (sent.sticker.width, sent.sticker.height, sent.sticker.emoji) == (512, 384, "✂")
    assert peer.calls("sendSticker")[0].files == {"sticker": webp}
    assert peer.file(sent.sticker.file_id) == webp


async def test_inline_query_is_answered_with_a_cached_document(peer: BotApiPeer, bot: Bot) -> None:
    alice = peer.user("Alice")
    file_id = peer.add_file(encode(disc(), "PNG"))
    query_id = peer.inline_query(alice, "cutout 42", chat_type="group")

    [update] = await bot.get_updates()
    query = update.inline_query
    assert query is not None
    assert (query.id, query.query, query.chat_type, query.offset) == (
        query_id,
        "cutout 42",
        "group",
        "",
    )
    text = InputTextMessageContent("No cutout 42")
    results = [
        InlineQueryResultCachedDocument("doc-42", "Cutout 42", file_id),
        InlineQueryResultArticle("none", "Nothing else", text),
    ]
    assert await query.answer(results, cache_time=0, is_personal=True)

    assert [r["id"] for r in peer.inline_answers(query_id)] == ["doc-42", "none"]
    assert peer.inline_answers(query_id)[0]["document_file_id"] == file_id
    answer = peer.inline_answer(query_id)
    assert (answer["cache_time"], answer["is_personal"]) == (0, True)
    assert (await bot.get_me()).supports_inline_queries


async def test_share_buttons_switch_to_inline_mode(peer: BotApiPeer, bot: Bot) -> None:
    chat = peer.private_chat(peer.user("Alice"))
    share = [
        InlineKeyboardButton("Share", switch_inline_query="cutout 42"),
        InlineKeyboardButton("Here", switch_inline_query_current_chat=""),
    ]
    sent = await bot.send_message(chat.id, "Done", reply_markup=InlineKeyboardMarkup([share]))
    assert sent.reply_markup == InlineKeyboardMarkup([share])
    assert peer.bot_messages(chat)[0].callback_data == []


@pytest.mark.parametrize(
    ("ids", "error"),
    [
        ([str(n) for n in range(51)], "RESULTS_TOO_MUCH"),
        (["a", "a"], "RESULT_ID_DUPLICATE"),
        (["x" * 65], "RESULT_ID_INVALID"),
        (["unknown file"], "Wrong file identifier/http url specified"),
    ],
)
async def test_inline_answers_are_checked(
    peer: BotApiPeer, bot: Bot, ids: list[str], error: str
) -> None:
    query_id = peer.inline_query(peer.user("Alice"), "cat")
    file_id = "nope" if ids == ["unknown file"] else peer.add_file(encode(disc(), "JPEG"))
    results = [InlineQueryResultCachedPhoto(i, file_id) for i in ids]
    with pytest.raises(BadRequest, match=f"(?i)^{error}$"):
        await bot.answer_inline_query(query_id, results)
    assert await bot.answer_inline_query(query_id, [])
    with pytest.raises(BadRequest, match="^Query is too old"):
        await bot.answer_inline_query(query_id, [])
