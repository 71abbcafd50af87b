"""Idle, slow and crowded connections against the real server, over real loopback sockets."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from tests.images import disc, encode
from tests.servers import TOKEN, running, server_settings

AUTH = {"Authorization": f"Token {TOKEN}"}
HEAD_TIMEOUT = 1.0
CAP = 8
Stream = tuple[asyncio.StreamReader, asyncio.StreamWriter]


@pytest.fixture(scope="module")
def quick_url(tmp_path_factory: pytest.TempPathFactory, models_dir: Path) -> Iterator[str]:
    """A server with a 1 s request-head deadline and at most 8 requests in flight."""
    tmp = tmp_path_factory.mktemp("connections")
    settings = server_settings(
        tmp, models_dir, header_timeout_seconds=HEAD_TIMEOUT, max_requests=CAP
    )
    with running(settings) as url:
        yield url


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=60) as client:
        yield client


async def connect(url: str) -> Stream:
    host, port = url.removeprefix("http://").split(":")
    return await asyncio.open_connection(host, int(port))


async def dribble(stream: Stream, data: bytes, *, every: float, limit: float) -> tuple[float, int]:
    """Send `data` a byte at a time until the server closes; (seconds open, bytes sent)."""
    reader, writer = stream
    started = time.monotonic()
    closed = asyncio.create_task(reader.read())
    sent = 0
    while not closed.done() and time.monotonic() - started < limit:
        writer.write(data[sent : sent + 1])
        sent += 1
        await asyncio.wait([closed], timeout=every)
    assert closed.done(), f"still open after {limit} s"
    assert closed.result() == b""
    return time.monotonic() - started, sent


async def answer_of(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """The status and body of one HTTP/1.1 answer with a Content-Length."""
    head = (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)).decode()
    fields = dict(line.lower().split(": ", 1) for line in head.split("\r\n")[1:] if line)
    body = await reader.readexactly(int(fields["content-length"]))
    return int(head.split()[1]), body


def close_all(streams: list[Stream]) -> None:
    for _, writer in streams:
        writer.close()


async def test_idle_connections_are_closed_after_the_header_timeout(quick_url: str) -> None:
    started = time.monotonic()
    streams = [await connect(quick_url) for _ in range(5)]
    try:
        received = await asyncio.wait_for(
            asyncio.gather(*(reader.read() for reader, _ in streams)), 5
        )
    finally:
        close_all(streams)
    assert received == [b""] * 5
    assert HEAD_TIMEOUT * 0.9 <= time.monotonic() - started <= HEAD_TIMEOUT + 2.0


async def test_a_slow_header_client_is_closed_at_the_deadline_though_it_keeps_sending(
    quick_url: str,
) -> None:
    stream = await connect(quick_url)
    head = b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: yes\r\n" * 100
    try:
        seconds, sent = await dribble(stream, head, every=0.05, limit=6)
    finally:
        close_all([stream])
    assert HEAD_TIMEOUT * 0.9 <= seconds <= HEAD_TIMEOUT + 2.0
    assert sent >= 10  # it was still sending when it was closed


@pytest.mark.parametrize("next_head", [b"", b"GET /health HTTP/1.1\r\n"])
async def test_a_keep_alive_connection_is_closed_when_its_next_head_is_late(
    quick_url: str, next_head: bytes
) -> None:
    stream = await connect(quick_url)
    reader, writer = stream
    try:
        writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert (await answer_of(reader))[0] == 200
        seconds, _ = await dribble(stream, next_head, every=0.05, limit=6)
    finally:
        close_all([stream])
    # uvicorn's own keep-alive timeout is 5 s, and any byte restarts it
    assert HEAD_TIMEOUT * 0.9 <= seconds <= HEAD_TIMEOUT + 2.0


async def test_a_request_head_over_16_kib_is_refused_in_contract_json(quick_url: str) -> None:
    reader, writer = await connect(quick_url)
    try:
        writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 17_000)
        code, body = await answer_of(reader)
    finally:
        writer.close()
    assert code == 400
    assert json.loads(body)["status"]["code"] == 400


async def test_requests_beyond_the_cap_get_503_json_with_retry_after(
    quick_url: str, http: httpx.AsyncClient
) -> None:
    # Each held request has sent its head and 3 bytes of a 9-byte body: it is in flight.
    head = f"POST /removebg/fast/removebg HTTP/1.1\r\nHost: x\r\nAuthorization: Token {TOKEN}\r\n"
    held = [await connect(quick_url) for _ in range(CAP)]
    try:
        for _, writer in held:
            writer.write(f"{head}Content-Length: 9\r\n\r\nnot".encode())
        for _ in range(200):
            refused = await http.get(f"{quick_url}/outputs/none")
            if refused.status_code != 404:
                break
            await asyncio.sleep(0.02)
        health = await http.get(f"{quick_url}/health")
        for _, writer in held:
            writer.write(b" json!")
        finished = [await answer_of(reader) for reader, _ in held]
    finally:
        close_all(held)
    assert refused.status_code == 503
    assert refused.json()["status"]["code"] == 503
    assert int(refused.headers["Retry-After"]) >= 1
    assert health.status_code == 200
    assert [code for code, _ in finished] == [400] * CAP  # "not json!" is not JSON
    assert (await http.get(f"{quick_url}/outputs/none")).status_code == 404


async def test_idle_connections_do_not_block_health_or_a_real_call(
    tmp_path: Path, models_dir: Path, http: httpx.AsyncClient
) -> None:
    settings = server_settings(tmp_path, models_dir, header_timeout_seconds=60, max_requests=CAP)
    image = base64.b64encode(encode(disc(), "JPEG")).decode()
    with running(settings) as url:
        idle = [await connect(url) for _ in range(100)]
        try:
            await asyncio.sleep(0.2)  # the server has accepted them all
            health = await http.get(f"{url}/health")
            body = {"records": [{"_base64": image}]}
            cutout = await http.post(f"{url}/removebg/fast/removebg", json=body, headers=AUTH)
            still_open = not any(reader.at_eof() for reader, _ in idle)
        finally:
            close_all(idle)
    assert health.status_code == 200
    assert cutout.status_code == 200
    assert cutout.json()["records"][0]["_status"]["code"] == 200
    assert still_open
