"""Error answers carry `status.request_id` and `statistics`, like success answers (real HTTP)."""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.images import disc, encode
from tests.servers import TOKEN, running, server_settings

AUTH = {"Authorization": f"Token {TOKEN}"}
DISC = encode(disc(), "JPEG")


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=60) as client:
        yield client


def assert_traceable(response: httpx.Response, code: int) -> str:
    """The answer is the contract's error JSON with a request id and a processing time."""
    assert response.status_code == code
    answer: dict[str, Any] = response.json()
    assert answer["status"]["code"] == code
    assert answer["status"]["error_description"]
    seconds = answer["statistics"]["processing time"]
    assert isinstance(seconds, float)
    assert 0 <= seconds < 30
    return str(uuid.UUID(answer["status"]["request_id"]))


@pytest.mark.parametrize(
    ("method", "path", "headers", "body", "code"),
    [
        ("POST", "/removebg/fast/removebg", AUTH, b"{not json", 400),
        ("POST", "/removebg/fast/removebg", {}, b'{"records": [{}]}', 401),
        ("POST", "/removebg/fast/removebg", {"Authorization": "JWT wrong"}, b"{}", 401),
        ("POST", "/removebg/medium/removebg", AUTH, b'{"records": [{}]}', 404),
        ("GET", "/elsewhere", {}, b"", 404),
        ("GET", "/outputs/0123456789abcdef0123456789abcdef.png", {}, b"", 404),
        ("GET", "/removebg/fast/removebg", AUTH, b"", 405),
        ("POST", "/removebg/fast/removebg", AUTH, b"x" * ((1 << 20) + 1), 413),
    ],
)
async def test_error_answers_carry_a_request_id_and_statistics(
    http: httpx.AsyncClient,
    api_url: str,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes,
    code: int,
) -> None:
    first = await http.request(method, f"{api_url}{path}", headers=headers, content=body)
    again = await http.request(method, f"{api_url}{path}", headers=headers, content=body)
    assert assert_traceable(first, code) != assert_traceable(again, code)


async def test_a_busy_answer_carries_a_request_id_and_statistics(
    tmp_path: Path, models_dir: Path, http: httpx.AsyncClient
) -> None:
    settings = server_settings(
        tmp_path, models_dir, queue_size=0, max_records=1, queue_wait_seconds=0
    )
    big = {"records": [{"_base64": base64.b64encode(encode(disc((1600, 1200)), "JPEG")).decode()}]}
    small = {"records": [{"_base64": base64.b64encode(DISC).decode()}]}
    with running(settings) as url:
        endpoint = f"{url}/removebg/precise/removebg"
        first = asyncio.create_task(http.post(endpoint, json=big, headers=AUTH))
        await asyncio.sleep(0.3)  # the first call holds the only place
        response = await http.post(endpoint, json=small, headers=AUTH)
        assert (await first).status_code == 200
    assert_traceable(response, 429)
    assert int(response.headers["Retry-After"]) >= 1


async def test_an_error_is_timed_from_the_arrival_of_the_request(
    http: httpx.AsyncClient, api_url: str
) -> None:
    async def slow_body() -> AsyncIterator[bytes]:
        yield b'{"records": '
        await asyncio.sleep(0.5)
        yield b"[}"  # not JSON: 400, once the whole body is in

    headers = {**AUTH, "Content-Length": "14"}
    response = await http.post(
        f"{api_url}/removebg/fast/removebg", content=slow_body(), headers=headers
    )
    assert_traceable(response, 400)
    assert response.json()["statistics"]["processing time"] >= 0.45
