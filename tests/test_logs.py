"""Request ids from the bot's client to the server's answer and logs; JSON log lines."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from services.logs import (
    REQUEST_ID,
    JsonFormatter,
    RequestIdFilter,
    accepted_request_id,
    configure_logging,
)
from services.removebg import RemoveBgClient
from tests.images import disc, encode
from tests.servers import TOKEN

DISC = encode(disc(), "JPEG")


@pytest.fixture
def root_logging() -> Iterator[None]:
    """configure_logging replaces the root handlers: put pytest's back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


async def test_the_clients_request_id_comes_back_as_the_answers(api_url: str) -> None:
    token = REQUEST_ID.set("job-42-abcdef12")
    try:
        async with RemoveBgClient(api_url, TOKEN) as client:
            result = await client.remove(DISC, model="fast")
    finally:
        REQUEST_ID.reset(token)
    assert result.request_id == "job-42-abcdef12"


@pytest.mark.parametrize(
    ("given", "kept"),
    [("abc-123", True), ("x" * 65, False), ("bad id", False), ("", False), (None, False)],
)
async def test_an_error_answer_carries_the_callers_id_when_it_is_plain(
    api_url: str, given: str | None, kept: bool
) -> None:
    headers = {"Authorization": "Token wrong"} | ({"X-Request-ID": given} if given else {})
    async with httpx.AsyncClient() as http:
        answer = await http.post(f"{api_url}/removebg/fast/removebg", json={}, headers=headers)
    request_id = answer.json()["status"]["request_id"]
    assert (request_id == given) is kept
    assert request_id


def test_a_given_id_is_kept_only_when_short_and_plain() -> None:
    assert accepted_request_id("job-1-ab12") == "job-1-ab12"
    assert len(accepted_request_id("a b")) == 36  # a fresh uuid


def test_json_log_lines_carry_the_request_id(root_logging: None) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    log = logging.getLogger("test.json")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    token = REQUEST_ID.set("req-7")
    try:
        log.info("cut out %d images", 3)
    finally:
        REQUEST_ID.reset(token)
    log.info("outside")
    log.removeHandler(handler)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["message"] == "cut out 3 images"
    assert first["request_id"] == "req-7"
    assert first["level"] == "INFO"
    assert second["request_id"] == "-"


def test_configure_logging_installs_one_handler_and_quiets_httpx(
    root_logging: None, tmp_path: Path
) -> None:
    configure_logging("json")
    root = logging.getLogger()
    assert len(root.handlers) == 1
    assert isinstance(root.handlers[0].formatter, JsonFormatter)
    assert logging.getLogger("httpx").level == logging.WARNING
