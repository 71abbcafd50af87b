"""The Bot API methods about messages: send them (text, files, albums), edit and delete them.

Each takes the decoded request and returns the `result` object, or raises `ApiError`.
"""

from __future__ import annotations

import time
from typing import Any

from tests.e2e.botapi_markup import render
from tests.e2e.botapi_objects import (
    JSON,
    MAX_UPLOAD_BYTES,
    ApiError,
    BotRequest,
    Chat,
    StoredFile,
    bad_request,
    image_size,
)
from tests.e2e.botapi_state import TelegramState

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
MEDIA_KEYS = ("photo", "document", "sticker", "video", "audio", "animation")
STICKER = {"type": "regular", "is_animated": False, "is_video": False}


# --- sending ---------------------------------------------------------------------------------


def find_chat(tg: TelegramState, req: BotRequest) -> Chat:
    chat_id = req.require("chat_id")
    with tg.lock:
        if isinstance(chat_id, str):
            chat = next((c for c in tg.chats.values() if f"@{c.username}" == chat_id), None)
        else:
            chat = tg.chats.get(chat_id)
    if chat is None:
        raise bad_request("chat not found")
    return chat


def inline_markup(req: BotRequest) -> JSON | None:
    """The inline keyboard, checked; other keyboards are not part of the returned Message."""
    markup = req.params.get("reply_markup")
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return None
    for button in (b for row in markup["inline_keyboard"] for b in row):
        data = button.get("callback_data")
        if data is not None and not 1 <= len(str(data).encode()) <= 64:
            raise bad_request("BUTTON_DATA_INVALID")
        if not set(button) - {"text"}:
            raise bad_request(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline "
                "keyboard"
            )
    return markup


def rendered(source: str, parse_mode: Any, *, limit: int, too_long: str) -> str:
    text = render(source, parse_mode).strip()
    if len(text.encode("utf-16-le")) // 2 > limit:
        raise bad_request(too_long)
    return text


def caption_fields(item: JSON) -> JSON:
    if (source := item.get("caption")) is None:
        return {}
    caption = rendered(
        str(source), item.get("parse_mode"), limit=1024, too_long="message caption is too long"
    )
    return {"caption": caption} if caption else {}


def reply_target(tg: TelegramState, req: BotRequest, chat: Chat) -> int | None:
    reply = req.params.get("reply_parameters")
    if not isinstance(reply, dict):
        return None
    message_id = int(reply["message_id"])
    with tg.lock:
        missing = (chat.id, message_id) not in tg.messages
    if missing and reply.get("allow_sending_without_reply"):
        return None
    return message_id


def send(tg: TelegramState, req: BotRequest, fields: JSON, source: str | None) -> JSON:
    chat = find_chat(tg, req)
    if markup := inline_markup(req):
        fields["reply_markup"] = markup
    message = tg.new_message(chat, tg.bot, fields, reply_target(tg, req, chat))
    with tg.lock:
        tg.sources[chat.id, message["message_id"]] = source
    return message


def media_file(tg: TelegramState, req: BotRequest, value: Any, field: str) -> StoredFile:
    """An upload (`value` None or "attach://<part>") stored as a new file, or a known file_id."""
    if value is None or str(value).startswith("attach://"):
        part = field if value is None else str(value).removeprefix("attach://")
        upload = req.uploads.get(part)
        if upload is None:
            raise bad_request(f"there is no {field} in the request")
        if len(upload.data) > MAX_UPLOAD_BYTES:
            raise ApiError(413, "Request Entity Too Large")
        mime = None if upload.content_type == "application/octet-stream" else upload.content_type
        return tg.store_file(upload.data, f"{field}s/{upload.filename}", mime_type=mime)
    if str(value).startswith(("http://", "https://")):
        raise bad_request("failed to get HTTP URL content")
    with tg.lock:
        stored = tg.files.get(str(value))
    if stored is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    return stored


def sticker_fields(tg: TelegramState, stored: StoredFile, emoji: Any) -> JSON:
    """A sticker from a set as it is there; any other file as a loose sticker of its size."""
    with tg.lock:
        known = tg.stickers.get(stored.file_id)
    if known is not None:
        return {"sticker": known}
    width, height = image_size(stored.data) or (512, 512)
    loose = {**stored.to_json(), **STICKER, "width": width, "height": height}
    return {"sticker": {**loose, **({"emoji": emoji} if emoji else {})}}


def media_fields(tg: TelegramState, kind: str, stored: StoredFile, fresh: bool) -> JSON:
    if kind == "document":
        return {"document": stored.document_json()}
    if kind != "photo":
        raise bad_request(f"unsupported media type {kind!r} in this peer")
    size = image_size(stored.data)
    if size is None:
        raise bad_request("IMAGE_PROCESS_FAILED")
    if fresh:
        return {"photo": tg.photo_sizes(stored.data)}
    return {"photo": [{**stored.to_json(), "width": size[0], "height": size[1]}]}


def send_message(tg: TelegramState, req: BotRequest) -> JSON:
    source = str(req.require("text"))
    text = rendered(
        source, req.params.get("parse_mode"), limit=4096, too_long="message is too long"
    )
    if not text:
        raise bad_request("message text is empty")
    return send(tg, req, {"text": text}, source)


def send_media(tg: TelegramState, req: BotRequest) -> JSON:
    kind = req.method.lower().removeprefix("send")
    value = req.params.get(kind)
    stored = media_file(tg, req, value, kind)
    if kind == "sticker":
        fields = sticker_fields(tg, stored, req.params.get("emoji"))
    else:
        fields = media_fields(tg, kind, stored, fresh=value != stored.file_id)
    fields.update(caption_fields(req.params))
    return send(tg, req, fields, req.params.get("caption"))


def send_media_group(tg: TelegramState, req: BotRequest) -> list[JSON]:
    media = req.require("media")
    if not isinstance(media, list) or not media:
        raise bad_request("there are no messages to send")
    if len(media) > 10:
        raise bad_request("too many messages to send as an album")
    find_chat(tg, req)
    contents = []
    for item in media:
        kind = str(item.get("type"))
        stored = media_file(tg, req, item.get("media"), kind)
        fresh = item.get("media") != stored.file_id
        contents.append({**media_fields(tg, kind, stored, fresh), **caption_fields(item)})
    group_id = str(10**12 + tg.next_id())
    return [
        send(tg, req, {**fields, "media_group_id": group_id}, item.get("caption"))
        for fields, item in zip(contents, media, strict=True)
    ]


# --- editing ---------------------------------------------------------------------------------


def target(tg: TelegramState, req: BotRequest, verb: str) -> tuple[tuple[int, int], JSON]:
    if "inline_message_id" in req.params:
        raise bad_request("MESSAGE_ID_INVALID")
    key = (req.require("chat_id"), req.require("message_id"))
    with tg.lock:
        message = tg.messages.get(key)
    if message is None:
        raise bad_request(f"message to {verb} not found")
    if verb == "edit" and message["from"]["id"] != tg.bot.id:
        raise bad_request("message can't be edited")
    return key, message


def replace(
    tg: TelegramState, key: tuple[int, int], message: JSON, changes: JSON, source: str | None
) -> JSON:
    """Store the edited message; the keyboard goes unless the edit sends one again."""
    edited = {k: v for k, v in message.items() if k != "reply_markup"}
    edited.update({**changes, "edit_date": int(time.time())})
    for emptied in [k for k in ("caption", "reply_markup") if edited.get(k) is None]:
        edited.pop(emptied, None)
    unchanged = all(edited.get(k) == message.get(k) for k in ("text", "caption", "reply_markup"))
    with tg.lock:
        if unchanged and tg.sources.get(key) == source:
            raise bad_request(NOT_MODIFIED)
        tg.messages[key] = edited
        tg.sources[key] = source
    return edited


def edit_message_text(tg: TelegramState, req: BotRequest) -> JSON:
    key, message = target(tg, req, "edit")
    if "text" not in message:
        raise bad_request("there is no text in the message to edit")
    source = str(req.require("text"))
    text = rendered(
        source, req.params.get("parse_mode"), limit=4096, too_long="message is too long"
    )
    if not text:
        raise bad_request("message text is empty")
    return replace(tg, key, message, {"text": text, "reply_markup": inline_markup(req)}, source)


def edit_message_caption(tg: TelegramState, req: BotRequest) -> JSON:
    key, message = target(tg, req, "edit")
    if not any(k in message for k in MEDIA_KEYS):
        raise bad_request("there is no caption in the message to edit")
    changes = {"caption": None, **caption_fields(req.params), "reply_markup": inline_markup(req)}
    return replace(tg, key, message, changes, req.params.get("caption"))


def edit_message_reply_markup(tg: TelegramState, req: BotRequest) -> JSON:
    key, message = target(tg, req, "edit")
    with tg.lock:
        source = tg.sources.get(key)
    return replace(tg, key, message, {"reply_markup": inline_markup(req)}, source)


def delete_message(tg: TelegramState, req: BotRequest) -> bool:
    key, _ = target(tg, req, "delete")
    with tg.lock:
        del tg.messages[key]
        tg.sources.pop(key, None)
    return True
