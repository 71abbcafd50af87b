"""The peer's groups against PTB: who the bot hears, joining and leaving, admins, albums and
buttons pressed by someone else."""

from __future__ import annotations

import pytest
from telegram import (
    Bot,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, Forbidden

from tests.e2e.botapi import BotApiPeer, running_peer
from tests.e2e.conftest import TOKEN
from tests.images import disc, encode

PHOTO = encode(disc((200, 150)), "JPEG")


async def drain(bot: Bot) -> list[Update]:
    """The pending updates, confirmed."""
    updates = await bot.get_updates()
    if updates:
        await bot.get_updates(offset=updates[-1].update_id + 1)
    return list(updates)


def texts(updates: list[Update]) -> list[str | None]:
    return [u.message.text or u.message.caption for u in updates if u.message]


async def test_privacy_mode_lets_through_what_telegram_does(peer: BotApiPeer, bot: Bot) -> None:
    ann, ben, group = peer.user("Ann"), peer.user("Ben"), peer.group()
    said = await bot.send_message(group.id, "Reply to a photo with /removebg")
    photo = peer.send_photo(ben, group, PHOTO, "my cat")
    for text in ("hello all", "see /removebg", "/removebg@other_bot", "/removebg", "/start x"):
        peer.send_text(ann, group, text)
    peer.send_text(ann, group, "/removebg@Cutout_Test_Bot", reply_to=photo["message_id"])
    peer.send_text(ann, group, "hey @cutout_test_bot, look")
    peer.send_text(ann, group, "thanks!", reply_to=said.message_id)
    peer.send_text(ann, group, "nice cat", reply_to=photo["message_id"])
    peer.send_photo(ann, group, PHOTO, "/removebg@cutout_test_bot precise")
    peer.send_document(ann, group, PHOTO, "a.jpg", "image/jpeg", caption="tell @cutout_test_bot")
    peer.send_photo(ann, group, PHOTO, "no command here")

    assert texts(await drain(bot)) == [
        "/removebg",
        "/start x",
        "/removebg@Cutout_Test_Bot",
        "hey @cutout_test_bot, look",
        "thanks!",
        "/removebg@cutout_test_bot precise",
        "tell @cutout_test_bot",
    ]


async def test_a_reply_carries_the_photo_replied_to(peer: BotApiPeer, bot: Bot) -> None:
    ann, ben, group = peer.user("Ann"), peer.user("Ben"), peer.group()
    photo = peer.send_photo(ben, group, PHOTO)
    peer.send_text(ann, group, "/removebg", reply_to=photo["message_id"])
    peer.send_document(
        ann, group, PHOTO, "b.jpg", "image/jpeg", caption="/removebg@cutout_test_bot"
    )

    [command, captioned] = [u.message for u in await drain(bot) if u.message]
    replied = command.reply_to_message
    assert replied is not None
    assert (replied.from_user and replied.from_user.id, replied.caption) == (ben.id, None)
    assert replied.photo[-1].file_id == photo["photo"][-1]["file_id"]
    assert await (await replied.photo[-1].get_file()).download_as_bytearray() == PHOTO
    [entity] = captioned.caption_entities
    assert (entity.type, entity.length) == ("bot_command", len("/removebg@cutout_test_bot"))
    assert captioned.document is not None


async def test_an_admin_bot_or_one_without_privacy_hears_everything(
    peer: BotApiPeer, bot: Bot
) -> None:
    ann, group = peer.user("Ann"), peer.group()
    peer.add_bot_to_group(ann, group, as_admin=True)
    peer.send_text(ann, group, "hello all")
    assert texts(await drain(bot)) == ["hello all"]

    with running_peer(privacy_mode=False) as open_peer:
        ben, chat = open_peer.user("Ben"), open_peer.group()
        open_peer.send_text(ben, chat, "/start@other_bot")
        async with Bot(TOKEN, base_url=open_peer.base_url) as other:
            assert texts(await drain(other)) == ["/start@other_bot"]
            assert (await other.get_me()).can_read_all_group_messages


async def test_adding_the_bot_is_a_my_chat_member_update_then_a_service_message(
    peer: BotApiPeer, bot: Bot
) -> None:
    ann, group = peer.user("Ann"), peer.group("Pets", with_bot=False)
    peer.send_text(ann, group, "/removebg")  # the bot is not there to hear it
    with pytest.raises(Forbidden, match="bot is not a member of the group chat"):
        await bot.send_message(group.id, "hi")

    change = peer.add_bot_to_group(ann, group)
    joined, service = await drain(bot)
    me = await bot.get_me()

    member = joined.my_chat_member
    assert member is not None
    assert (member.chat.id, member.from_user.id) == (group.id, ann.id)
    assert isinstance(member.old_chat_member, ChatMemberLeft)
    assert isinstance(member.new_chat_member, ChatMemberMember)
    assert (member.new_chat_member.user.id, change["new_chat_member"]["status"]) == (
        me.id,
        "member",
    )
    assert service.message is not None
    assert [u.id for u in service.message.new_chat_members] == [me.id]
    assert (await bot.send_message(group.id, "Hi! Reply to a photo with /removebg")).text


@pytest.mark.parametrize("supergroup", [False, True])
async def test_a_kicked_bot_cannot_send_to_the_group(
    peer: BotApiPeer, bot: Bot, supergroup: bool
) -> None:
    ann, group = peer.user("Ann"), peer.group(supergroup=supergroup)
    peer.remove_bot_from_group(ann, group)

    [update] = await drain(bot)
    assert update.my_chat_member is not None
    assert isinstance(update.my_chat_member.new_chat_member, ChatMemberBanned)
    kind = "supergroup" if supergroup else "group"
    with pytest.raises(Forbidden, match=f"^Forbidden: bot was kicked from the {kind} chat$"):
        await bot.send_photo(group.id, PHOTO)
    peer.send_text(ann, group, "/removebg")
    assert await drain(bot) == []


async def test_a_bot_removed_or_leaving_is_left_and_can_come_back(
    peer: BotApiPeer, bot: Bot
) -> None:
    ann, group, other = peer.user("Ann"), peer.group(), peer.group("Other")
    peer.remove_bot_from_group(ann, group, kicked=False)
    assert await bot.leave_chat(other.id)

    left, gone = await drain(bot)
    assert left.my_chat_member
    assert gone.my_chat_member
    assert isinstance(left.my_chat_member.new_chat_member, ChatMemberLeft)
    assert gone.my_chat_member.from_user.id == (await bot.get_me()).id
    with pytest.raises(Forbidden, match="bot is not a member of the group chat"):
        await bot.send_message(other.id, "hi")
    with pytest.raises(ValueError, match="already 'left'"):
        peer.remove_bot_from_group(ann, group, kicked=False)

    peer.add_bot_to_group(ann, group)
    assert (await bot.send_message(group.id, "back")).text == "back"


async def test_promoting_the_bot_makes_it_an_administrator(peer: BotApiPeer, bot: Bot) -> None:
    ann, group = peer.user("Ann"), peer.group(supergroup=True, creator=peer.user("Owner"))
    peer.add_bot_to_group(ann, group, as_admin=True)

    [update] = await drain(bot)  # promoted, not joined: no service message
    assert update.my_chat_member is not None
    promoted = update.my_chat_member.new_chat_member
    assert isinstance(promoted, ChatMemberAdministrator)
    assert promoted.can_delete_messages
    assert not promoted.can_be_edited
    me = await bot.get_chat_member(group.id, (await bot.get_me()).id)
    assert isinstance(me, ChatMemberAdministrator)
    admins = await bot.get_chat_administrators(group.id)
    assert [type(a) for a in admins] == [ChatMemberOwner, ChatMemberAdministrator]


async def test_chat_members_have_their_status(peer: BotApiPeer, bot: Bot) -> None:
    ann, ben, cat, dan = (peer.user(n) for n in ("Ann", "Ben", "Cat", "Dan"))
    group = peer.group(creator=ann)
    peer.set_admin(group, ben)
    peer.send_text(cat, group, "hi")

    statuses = [await bot.get_chat_member(group.id, u.id) for u in (ann, ben, cat, dan)]
    assert [type(s) for s in statuses] == [
        ChatMemberOwner,
        ChatMemberAdministrator,
        ChatMemberMember,
        ChatMemberLeft,
    ]
    assert [a.user.id for a in await bot.get_chat_administrators(group.id)] == [ann.id, ben.id]
    peer.set_admin(group, ben, admin=False)
    assert isinstance(await bot.get_chat_member(group.id, ben.id), ChatMemberMember)
    with pytest.raises(BadRequest, match="User not found"):
        await bot.get_chat_member(group.id, 424242)
    with pytest.raises(BadRequest, match="There are no administrators in the private chat"):
        await bot.get_chat_administrators(peer.private_chat(ann).id)


async def test_a_user_blocking_the_bot_is_a_my_chat_member_update(
    peer: BotApiPeer, bot: Bot
) -> None:
    eve = peer.user("Eve")
    chat = peer.private_chat(eve)
    peer.user_blocks_bot(eve)

    [update] = await drain(bot)
    assert update.my_chat_member is not None
    assert update.my_chat_member.chat.id == chat.id
    assert update.my_chat_member.from_user.id == eve.id
    assert isinstance(update.my_chat_member.new_chat_member, ChatMemberBanned)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(chat.id, "hi")

    peer.user_unblocks_bot(eve)
    [again] = await drain(bot)
    assert again.my_chat_member
    assert again.my_chat_member.new_chat_member.status == "member"
    assert (await bot.send_message(chat.id, "welcome back")).text == "welcome back"


async def test_allowed_updates_leave_out_other_kinds(peer: BotApiPeer, bot: Bot) -> None:
    ann, group = peer.user("Ann"), peer.group(with_bot=False)
    peer.add_bot_to_group(ann, group)
    [service] = await bot.get_updates(allowed_updates=["message"])
    assert service.message is not None
    assert service.message.new_chat_members
    assert peer.pending_updates() == 1  # the service message, until confirmed


async def test_a_user_album_is_one_update_per_item(peer: BotApiPeer, bot: Bot) -> None:
    ann = peer.user("Ann")
    photos = [encode(disc((100 + 10 * i, 80)), "JPEG") for i in range(3)]
    sent = peer.send_album(ann, peer.private_chat(ann), photos, caption="all three")

    messages = [u.message for u in await drain(bot) if u.message]
    assert [m.message_id for m in messages] == [m["message_id"] for m in sent]
    assert len({m.media_group_id for m in messages}) == 1
    assert messages[0].media_group_id is not None
    assert [m.caption for m in messages] == ["all three", None, None]
    largest = [await (await m.photo[-1].get_file()).download_as_bytearray() for m in messages]
    assert largest == photos
    with pytest.raises(ValueError, match="2 to 10"):
        peer.send_album(ann, peer.private_chat(ann), photos[:1])


async def test_a_user_album_of_documents_in_a_group(peer: BotApiPeer, bot: Bot) -> None:
    ann, group = peer.user("Ann"), peer.group()
    png = encode(disc(), "PNG")
    items = [(png, "one.png", "image/png"), (PHOTO, "two.jpg", None), (b"%PDF-1.4", None, None)]
    peer.send_album(ann, group, items, as_documents=True, caption="/removebg")

    [first] = [u.message for u in await drain(bot) if u.message]  # privacy: the captioned one
    assert first.document is not None
    assert (first.document.file_name, first.caption) == ("one.png", "/removebg")
    second, third = (peer.messages[group.id, n]["document"] for n in (2, 3))
    assert (second["file_name"], second["mime_type"]) == ("two.jpg", "image/jpeg")
    assert "file_name" not in third
    assert third["mime_type"] == "application/octet-stream"


async def test_forged_callback_data_arrives_as_sent(peer: BotApiPeer, bot: Bot) -> None:
    ben, group = peer.user("Ben"), peer.group()
    fast = InlineKeyboardMarkup([[InlineKeyboardButton("Fast", callback_data="job:1:fast")]])
    sent = await bot.send_message(group.id, "Ann's photo: pick a model", reply_markup=fast)
    with pytest.raises(LookupError, match="no button"):
        peer.press(ben, group, sent.message_id, "job:2:precise")

    query_id = peer.press_forged(ben, group, sent.message_id, "job:2:precise")

    [update] = await drain(bot)
    query = update.callback_query
    assert query is not None
    assert (query.id, query.data, query.from_user.id) == (query_id, "job:2:precise", ben.id)
    assert query.message is not None
    assert query.message.message_id == sent.message_id
    assert await query.answer("That is not your photo", show_alert=True)
    assert peer.callback_answer(query_id)["show_alert"] is True
