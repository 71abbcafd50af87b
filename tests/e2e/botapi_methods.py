"""The Bot API methods the peer answers: a registry of plain functions over the state.

Each takes the decoded request and returns the `result` object, or raises `ApiError`.
The methods about messages live in `botapi_messages.py`, stickers in `botapi_stickers.py` and
inline queries in `botapi_inline.py`. `getUpdates` is not here: it waits, so the server
answers it (see `botapi.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.e2e import botapi_inline as inline
from tests.e2e import botapi_messages as messages
from tests.e2e import botapi_stickers as stickers
from tests.e2e.botapi_groups import Groups
from tests.e2e.botapi_objects import JSON, ApiError, BotRequest, bad_request
from tests.e2e.botapi_state import TelegramState
from tests.e2e.botapi_users import Telegram

Handler = Callable[[Telegram, BotRequest], Any]


def get_me(tg: TelegramState, req: BotRequest) -> JSON:
    return {
        **tg.bot.to_json(),
        "can_join_groups": True,
        "can_read_all_group_messages": not tg.privacy_mode,
        "supports_inline_queries": tg.inline_mode,
    }


def acknowledge(tg: TelegramState, req: BotRequest) -> bool:
    return True


def delete_webhook(tg: TelegramState, req: BotRequest) -> bool:
    if req.params.get("drop_pending_updates"):
        tg.drop_updates()
    return True


def get_webhook_info(tg: TelegramState, req: BotRequest) -> JSON:
    return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}


def set_my_commands(tg: TelegramState, req: BotRequest) -> bool:
    """Commands per language (the default scope only), as a two-letter code or none."""
    language = str(req.params.get("language_code") or "")
    if language and not (len(language) == 2 and language.isalpha() and language.islower()):
        raise bad_request("invalid language code specified")
    tg.commands[language] = list(req.params.get("commands", []))
    return True


def delete_my_commands(tg: TelegramState, req: BotRequest) -> bool:
    tg.commands.pop(str(req.params.get("language_code") or ""), None)
    return True


def get_my_commands(tg: TelegramState, req: BotRequest) -> list[JSON]:
    language = str(req.params.get("language_code") or "")
    return tg.commands.get(language) or tg.commands.get("", [])


def send_chat_action(tg: TelegramState, req: BotRequest) -> bool:
    messages.find_chat(tg, req)
    req.require("action")
    return True


def answer_callback_query(tg: TelegramState, req: BotRequest) -> bool:
    """Once per query; the answer (text, show_alert, url, cache_time) is kept for tests."""
    query_id = str(req.require("callback_query_id"))
    fields = ("text", "show_alert", "url", "cache_time")
    with tg.lock:
        if query_id not in tg.callback_queries or tg.callback_queries[query_id] is not None:
            raise bad_request(inline.QUERY_INVALID)
        tg.callback_queries[query_id] = {k: req.params[k] for k in fields if k in req.params}
    return True


def get_file(tg: TelegramState, req: BotRequest) -> JSON:
    stored = tg.downloadable(str(req.require("file_id")))
    return {**stored.to_json(), "file_path": stored.file_path}


def get_chat(tg: TelegramState, req: BotRequest) -> JSON:
    gifts = ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription")
    return {
        **messages.find_chat(tg, req).to_json(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {**dict.fromkeys(gifts, True), "gifts_from_channels": True},
    }


def get_chat_member(tg: Groups, req: BotRequest) -> JSON:
    return tg.member(messages.find_chat(tg, req), int(req.require("user_id")))


def get_chat_administrators(tg: Groups, req: BotRequest) -> list[JSON]:
    return tg.administrators(messages.find_chat(tg, req))


def leave_chat(tg: Groups, req: BotRequest) -> bool:
    chat = messages.find_chat(tg, req)
    if chat.type == "private":
        raise bad_request("chat member status can't be changed in private chats")
    if tg.roster(chat.id).bot_status not in ("member", "administrator"):
        raise ApiError(403, f"Forbidden: bot is not a member of the {chat.type} chat")
    tg.bot_leaves(chat)
    return True


METHODS: dict[str, Handler] = {
    name.lower(): handler
    for name, handler in {
        "getMe": get_me,
        "logOut": acknowledge,
        "close": acknowledge,
        "setWebhook": acknowledge,
        "deleteWebhook": delete_webhook,
        "getWebhookInfo": get_webhook_info,
        "setMyCommands": set_my_commands,
        "deleteMyCommands": delete_my_commands,
        "getMyCommands": get_my_commands,
        "sendChatAction": send_chat_action,
        "answerCallbackQuery": answer_callback_query,
        "getFile": get_file,
        "getChat": get_chat,
        "getChatMember": get_chat_member,
        "getChatAdministrators": get_chat_administrators,
        "leaveChat": leave_chat,
        "answerInlineQuery": inline.answer_inline_query,
        "uploadStickerFile": stickers.upload_sticker_file,
        "createNewStickerSet": stickers.create_new_sticker_set,
        "addStickerToSet": stickers.add_sticker_to_set,
        "getStickerSet": stickers.get_sticker_set,
        "sendMessage": messages.send_message,
        "sendDocument": messages.send_media,
        "sendPhoto": messages.send_media,
        "sendSticker": messages.send_media,
        "sendMediaGroup": messages.send_media_group,
        "editMessageText": messages.edit_message_text,
        "editMessageCaption": messages.edit_message_caption,
        "editMessageReplyMarkup": messages.edit_message_reply_markup,
        "deleteMessage": messages.delete_message,
    }.items()
}
