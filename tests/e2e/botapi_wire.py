"""PTB's side of the wire, read back: form fields, JSON-encoded values and multipart parts.

PTB posts `application/x-www-form-urlencoded` when no file goes up and `multipart/form-data`
when one does; either way every value is JSON-encoded except plain strings, which go raw.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from tests.e2e.botapi_objects import ApiError, BotRequest, Upload

# Parameters that are strings even when they look like JSON ("123", "true").
TEXT_PARAMS = frozenset(
    {
        *("text", "caption", "parse_mode", "callback_query_id", "inline_message_id", "file_id"),
        *("action", "document", "photo", "sticker", "video", "audio", "animation", "thumbnail"),
        *("url", "emoji", "business_connection_id", "message_effect_id", "language_code"),
        *("description", "short_description", "name", "title", "inline_query_id"),
        *("next_offset", "switch_pm_text", "switch_pm_parameter", "sticker_format"),
        *("sticker_type", "custom_title"),
    }
)


def decode(name: str, raw: str) -> Any:
    """A form value: JSON, except strings that go raw (a `sticker` that is an InputSticker, as
    in addStickerToSet, is JSON: a file_id never starts with "{")."""
    if name in TEXT_PARAMS and not (name == "sticker" and raw.startswith("{")):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def parse_multipart(body: bytes, content_type: str) -> tuple[dict[str, str], dict[str, Upload]]:
    """Form fields and file parts of a multipart/form-data body as httpx writes it."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if match is None:
        raise ApiError(400, "Bad Request: multipart body without a boundary")
    fields: dict[str, str] = {}
    uploads: dict[str, Upload] = {}
    for chunk in body.split(b"--" + match.group(1).encode())[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, content = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        headers = dict(
            (key.strip().lower(), value.strip())
            for key, _, value in (line.partition(":") for line in head.decode().split("\r\n"))
        )
        disposition = {
            key: value.replace("%22", '"').replace("\\\\", "\\")
            for key, value in re.findall(r'(\w+)="([^"]*)"', headers["content-disposition"])
        }
        if "filename" in disposition:
            content_type = headers.get("content-type", "application/octet-stream")
            uploads[disposition["name"]] = Upload(disposition["filename"], content_type, content)
        else:
            fields[disposition["name"]] = content.decode()
    return fields, uploads


async def read_request(request: Request, method: str) -> BotRequest:
    content_type = request.headers.get("content-type", "")
    body = await request.body()
    fields: dict[str, str] = dict(request.query_params)
    uploads: dict[str, Upload] = {}
    if content_type.startswith("application/json"):
        return BotRequest(method, json.loads(body or b"{}"), uploads)
    if content_type.startswith("multipart/form-data"):
        parts, uploads = parse_multipart(body, content_type)
        fields.update(parts)
    else:
        fields.update(parse_qsl(body.decode(), keep_blank_values=True))
    return BotRequest(method, {k: decode(k, v) for k, v in fields.items()}, uploads)
