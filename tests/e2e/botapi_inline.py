"""answerInlineQuery: the bot's answer to `@bot query`, checked about as far as Telegram does.

Each result needs a known `type` and a unique `id` of 1 to 64 bytes; at most 50 results; the
cached kinds (`document_file_id`, `photo_file_id`, ...) must name a file Telegram has. Each
query is answered once. The answer is kept for `peer.inline_answer(query_id)`.
"""

from __future__ import annotations

from tests.e2e.botapi_objects import BotRequest, bad_request
from tests.e2e.botapi_state import TelegramState

QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
MAX_RESULTS = 50
RESULT_TYPES = frozenset(
    {"article", "photo", "gif", "mpeg4_gif", "video", "audio", "voice", "document"}
    | {"location", "venue", "contact", "game", "sticker"}
)
FILE_ID_FIELDS = (
    *("photo_file_id", "gif_file_id", "mpeg4_file_id", "sticker_file_id"),
    *("document_file_id", "video_file_id", "voice_file_id", "audio_file_id"),
)
ANSWER_FIELDS = ("cache_time", "is_personal", "next_offset", "button")


def answer_inline_query(tg: TelegramState, req: BotRequest) -> bool:
    query_id = str(req.require("inline_query_id"))
    results = req.require("results")
    with tg.lock:
        if query_id not in tg.inline_queries or tg.inline_queries[query_id] is not None:
            raise bad_request(QUERY_INVALID)
    if not isinstance(results, list):
        raise bad_request("results must be an array of InlineQueryResult")
    if len(results) > MAX_RESULTS:
        raise bad_request("RESULTS_TOO_MUCH")
    seen: set[str] = set()
    for result in results:
        check_result(tg, result, seen)
    answer = {"results": results, **{k: req.params[k] for k in ANSWER_FIELDS if k in req.params}}
    with tg.lock:
        tg.inline_queries[query_id] = answer
    return True


def check_result(tg: TelegramState, result: object, seen: set[str]) -> None:
    if not isinstance(result, dict) or result.get("type") not in RESULT_TYPES:
        raise bad_request("RESULT_TYPE_INVALID")
    result_id = str(result.get("id", ""))
    if not 1 <= len(result_id.encode()) <= 64:
        raise bad_request("RESULT_ID_INVALID")
    if result_id in seen:
        raise bad_request("RESULT_ID_DUPLICATE")
    seen.add(result_id)
    for name in FILE_ID_FIELDS:
        if name in result:
            with tg.lock:
                known = str(result[name]) in tg.files
            if not known:
                raise bad_request("wrong file identifier/HTTP URL specified")
