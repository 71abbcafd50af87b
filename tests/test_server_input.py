"""Client input that once gave a 500 or slipped past the queue, over real HTTP on loopback."""

from __future__ import annotations

import asyncio
import base64
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from services.config import Settings
from tests.images import disc, encode
from tests.servers import TOKEN, running, server_settings

AUTH = {"Authorization": f"Token {TOKEN}"}
IDLE = {"pending": 0, "capacity": 17, "waiting": 0, "body_bytes": 0}  # the default line, empty
GOOD = {"_base64": base64.b64encode(encode(disc(), "JPEG")).decode()}


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=60) as client:
        yield client


async def post(http: httpx.AsyncClient, url: str, body: Any) -> httpx.Response:
    return await http.post(f"{url}/removebg/fast/removebg", json=body, headers=AUTH)


async def raw_post(http: httpx.AsyncClient, url: str, body: bytes) -> httpx.Response:
    headers = {**AUTH, "Content-Type": "application/json"}
    return await http.post(f"{url}/removebg/fast/removebg", content=body, headers=headers)


async def idle_queue(http: httpx.AsyncClient, url: str) -> dict[str, int]:
    queue: dict[str, int] = (await http.get(f"{url}/health")).json()["queue"]
    return queue


@pytest.mark.parametrize(
    "key", ["status", "_status", "_width", "width", "output_url", "_output_url_mask", "url"]
)
async def test_a_record_key_that_clashes_with_the_answer_fails_alone(
    http: httpx.AsyncClient, api_url: str, key: str
) -> None:
    records = [dict(GOOD) for _ in range(9)] + [{**GOOD, key: "mine"}]
    response = await post(http, api_url, {"records": records})
    assert response.status_code == 200
    answer = response.json()
    codes = [record["_status"]["code"] for record in answer["records"]]
    assert codes == [200] * 9 + [400]
    assert repr(key) in answer["records"][9]["_status"]["error_description"]
    assert key not in answer["records"][9] or key.startswith("_status")
    assert answer["status"]["text"] == "1 of 10 records failed"
    assert await idle_queue(http, api_url) == IDLE


@pytest.mark.parametrize(
    "url", ["http://[::1", "http://a:80:80/", "http://0177.0.0.1/", "http://" + "a" * 64 + ".com/"]
)
async def test_a_malformed_url_in_a_ten_record_call_fails_alone_and_leaves_no_work(
    http: httpx.AsyncClient, api_url: str, url: str
) -> None:
    records = [dict(GOOD) for _ in range(9)] + [{"_url": url}]
    answer = (await post(http, api_url, {"records": records})).json()
    codes = [record["_status"]["code"] for record in answer["records"]]
    assert codes == [200] * 9 + [400]
    assert (await idle_queue(http, api_url))["pending"] == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("binary_mask", "yes"), ("white_background", 1), ("_id", 5), ("_url", 7), ("_base64", [])],
)
async def test_a_mistyped_record_field_fails_alone(
    http: httpx.AsyncClient, api_url: str, field: str, value: Any
) -> None:
    answer = (await post(http, api_url, {"records": [GOOD, {**GOOD, field: value}]})).json()
    good, bad = answer["records"]
    assert good["_status"]["code"] == 200
    assert bad["_status"]["code"] == 400
    assert field in bad["_status"]["error_description"]
    assert bad.get(field) != value  # what could not be read is not echoed
    assert bad["_id"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"[" * 5000 + b"]" * 5000, "not valid JSON"),
        (b'{"records": [{"x": ' + b"[" * 40 + b"]" * 40 + b"}]}", "nested more than"),
        (b'{"records": [{"_base64": "AA==", "x": 1e999}]}', "too large"),
        (b'{"records": [{}], "image_quality": 1e999}', "too large"),
        (b'{"records": [{"_base64": "\\ud800"}]}', "not valid JSON"),
        (b"\xff\xfe{}", "not valid JSON"),
        (b'{"records": [{}], "binary_mask": "yes"}', "binary_mask"),
        (b'{"records": {"a": 1}}', "records"),
    ],
)
async def test_hostile_json_gets_a_400_not_a_500(
    http: httpx.AsyncClient, api_url: str, body: bytes, expected: str
) -> None:
    response = await raw_post(http, api_url, body)
    assert response.status_code == 400
    assert expected in response.json()["status"]["error_description"]


async def test_a_body_without_content_length_gets_411(
    http: httpx.AsyncClient, api_url: str
) -> None:
    async def chunked() -> AsyncIterator[bytes]:
        yield b'{"records": [{}]}'

    response = await http.post(
        f"{api_url}/removebg/fast/removebg", content=chunked(), headers=AUTH
    )
    assert response.status_code == 411
    assert "Content-Length" in response.json()["status"]["error_description"]


async def test_a_body_larger_than_allowed_is_refused_before_it_is_read(api_url: str) -> None:
    host, port = api_url.removeprefix("http://").split(":")
    head = (
        "POST /removebg/fast/removebg HTTP/1.1\r\n"
        f"Host: {host}\r\nAuthorization: Token {TOKEN}\r\n"
        "Content-Type: application/json\r\nContent-Length: 999999999\r\n\r\n"
    )
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(head.encode())  # no body follows: the answer can't wait for one
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), 10)
    writer.close()
    assert b" 413 " in status_line


async def trickled(http: httpx.AsyncClient, url: str, parts: list[bytes], pause: float) -> Any:
    async def trickle() -> AsyncIterator[bytes]:
        for part in parts:
            yield part
            await asyncio.sleep(pause)

    headers = {**AUTH, "Content-Length": str(sum(map(len, parts)))}
    return await http.post(f"{url}/removebg/fast/removebg", content=trickle(), headers=headers)


async def test_a_body_that_falls_behind_the_minimum_pace_gets_408(
    tmp_path: Path, models_dir: Path, http: httpx.AsyncClient
) -> None:
    settings = server_settings(
        tmp_path, models_dir, body_timeout_seconds=0.5, min_upload_bytes_per_second=1000
    )
    with running(settings) as url:
        response = await trickled(http, url, [b" "] * 20, pause=0.1)
        assert response.status_code == 408
        assert "slower than" in response.json()["status"]["error_description"]
        assert await idle_queue(http, url) == IDLE


async def test_a_slow_body_that_keeps_the_pace_is_served(
    tmp_path: Path, models_dir: Path, http: httpx.AsyncClient
) -> None:
    settings = server_settings(
        tmp_path, models_dir, body_timeout_seconds=0.5, min_upload_bytes_per_second=1000
    )
    parts = [b'{"records": [{}]}'.ljust(500), b" " * 500, b" " * 500, b" " * 500]
    with running(settings) as url:
        response = await trickled(http, url, parts, pause=0.4)  # 1.2 s in all, at pace
    assert response.status_code == 200
    assert response.json()["records"][0]["_status"]["code"] == 400


async def test_calls_beyond_the_queue_wait_their_turn_and_all_succeed(
    tmp_path: Path, models_dir: Path, http: httpx.AsyncClient
) -> None:
    settings = server_settings(tmp_path, models_dir, queue_size=0, max_records=1)
    with running(settings) as url:
        answers = await asyncio.gather(*(post(http, url, {"records": [GOOD]}) for _ in range(6)))
    assert [answer.status_code for answer in answers] == [200] * 6


def test_settings_refuse_a_queue_too_small_for_the_largest_call(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="MAX_RECORDS"):
        Settings(_env_file=None, queue_size=4, engine_concurrency=1, max_records=10)
    with pytest.raises(ValidationError, match="BODY_MEMORY_BYTES"):
        Settings(_env_file=None, body_memory_bytes=1000, max_body_bytes=2000)


def test_a_client_that_vanishes_mid_body_frees_its_place(api_url: str) -> None:
    host, port = api_url.removeprefix("http://").split(":")
    head = (
        "POST /removebg/fast/removebg HTTP/1.1\r\n"
        f"Host: {host}\r\nAuthorization: Token {TOKEN}\r\nContent-Length: 1000\r\n\r\n"
    )
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(head.encode() + b'{"records": [')
    for _ in range(50):
        queue = httpx.get(f"{api_url}/health").json()["queue"]
        if queue["body_bytes"] == 0:
            break
        time.sleep(0.05)
    assert queue["pending"] == 0
    assert queue["body_bytes"] == 0
