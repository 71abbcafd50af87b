"""The contract served over real HTTP on loopback (uvicorn in a thread, real inference)."""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.contract.wire import RemoveBgAnswer
from tests.images import disc, encode, opened, sample
from tests.servers import TOKEN, image_host, running, server_settings

AUTH = {"Authorization": f"Token {TOKEN}"}
DISC = encode(disc(), "JPEG")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=60) as client:
        yield client


async def call(
    http: httpx.AsyncClient, api_url: str, body: Any, model: str = "fast"
) -> httpx.Response:
    return await http.post(f"{api_url}/removebg/{model}/removebg", json=body, headers=AUTH)


@pytest.mark.parametrize("model", ["fast", "precise"])
@pytest.mark.parametrize(
    ("image_format", "suffix", "content_type"),
    [
        (None, "png", "image/png"),
        ("png", "png", "image/png"),
        ("webp", "webp", "image/webp"),
        ("jpg", "jpg", "image/jpeg"),
    ],
)
async def test_each_model_and_format_with_every_output(
    http: httpx.AsyncClient,
    api_url: str,
    model: str,
    image_format: str | None,
    suffix: str,
    content_type: str,
) -> None:
    body = {
        "records": [{"_base64": b64(DISC)}],
        "binary_mask": True,
        "white_background": True,
        "image_quality": 70,
    }
    if image_format:
        body["image_format"] = image_format
    response = await call(http, api_url, body, model)
    assert response.status_code == 200
    answer = RemoveBgAnswer.model_validate(response.json())
    record = answer.records[0]
    assert answer.status.code == 200
    assert record.status is not None
    assert record.status.code == 200
    assert (record.width, record.height) == (160, 120)
    assert answer.processing_time is not None
    assert answer.processing_time > 0
    assert record.output_url
    assert record.output_url.endswith(f".{suffix}")
    cutout = await http.get(record.output_url)
    assert cutout.headers["content-type"] == content_type
    image = opened(cutout.content)
    assert image.size == (160, 120)
    assert image.mode == ("RGB" if suffix == "jpg" else "RGBA")
    assert record.output_url_mask
    assert record.output_url_whitebg
    mask = opened((await http.get(record.output_url_mask)).content)
    white = opened((await http.get(record.output_url_whitebg)).content)
    assert (mask.format, mask.mode) == ("JPEG", "L")
    assert (white.format, white.mode) == ("JPEG", "RGB")


async def test_outputs_only_when_asked_and_record_values_win(
    http: httpx.AsyncClient, api_url: str
) -> None:
    body = {
        "binary_mask": True,
        "records": [{"_base64": b64(DISC), "binary_mask": False, "white_background": True}],
    }
    record = (await call(http, api_url, body)).json()["records"][0]
    assert "_output_url_mask" not in record
    assert "_output_url_whitebg" in record
    assert "_base64" not in record  # the input is not echoed back


async def test_a_data_uri_and_a_loopback_url_are_accepted(
    http: httpx.AsyncClient, api_url: str
) -> None:
    routes = {"/cat.jpg": (200, {"Content-Type": "image/jpeg"}, sample())}
    with image_host(routes) as host:
        body = {
            "records": [
                {"_base64": f"data:image/jpeg;base64,{b64(DISC)}"},
                {"_url": f"{host}/cat.jpg", "_id": "cat"},
            ]
        }
        records = (await call(http, api_url, body)).json()["records"]
    assert [r["_status"]["code"] for r in records] == [200, 200]
    assert records[1]["_id"] == "cat"
    assert records[1]["_url"] == f"{host}/cat.jpg"


async def test_a_broken_record_fails_alone(http: httpx.AsyncClient, api_url: str) -> None:
    body = {
        "records": [
            {"_base64": b64(b"this is not an image")},
            {"_base64": b64(DISC)},
            {"_base64": "%%%"},
            {},
        ]
    }
    response = await call(http, api_url, body)
    assert response.status_code == 200
    answer = response.json()
    codes = [record["_status"]["code"] for record in answer["records"]]
    assert codes == [400, 200, 400, 400]
    descriptions = [r["_status"].get("error_description", "") for r in answer["records"]]
    assert "image" in descriptions[0].lower()
    assert "base64" in descriptions[2]
    assert "_url or _base64" in descriptions[3]
    assert answer["status"]["text"] == "3 of 4 records failed"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"{not json", "not valid JSON"),
        (b"{}", "records"),
        (b'{"records": []}', "records"),
        (b'{"records": ["x"]}', "records.0"),
        (b'{"records": [{"_base64": "AA=="}], "image_format": "gif"}', "image_format"),
        (b'{"records": [{"_base64": "AA=="}], "image_quality": 101}', "image_quality"),
        (b'{"records": [' + b", ".join([b"{}"] * 11) + b"]}", "at most 10 records"),
    ],
)
async def test_a_malformed_call_gets_400_with_a_description(
    http: httpx.AsyncClient, api_url: str, body: bytes, expected: str
) -> None:
    response = await http.post(
        f"{api_url}/removebg/fast/removebg",
        content=body,
        headers={**AUTH, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    status = response.json()["status"]
    assert status["code"] == 400
    assert expected in status["error_description"]


@pytest.mark.parametrize(
    "header", [None, "Token wrong", f"Bearer {TOKEN}", TOKEN, f"Token {TOKEN}x", "Token"]
)
async def test_a_bad_token_gets_401(
    http: httpx.AsyncClient, api_url: str, header: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    headers = {} if header is None else {"Authorization": header}
    response = await http.post(
        f"{api_url}/removebg/fast/removebg", json={"records": [{}]}, headers=headers
    )
    assert response.status_code == 401
    assert response.json()["status"]["code"] == 401
    assert TOKEN not in caplog.text


async def test_a_too_large_body_gets_413(http: httpx.AsyncClient, api_url: str) -> None:
    body = {"records": [{"_base64": b64(os.urandom(1 << 20))}]}
    response = await call(http, api_url, body)
    assert response.status_code == 413
    assert "larger than" in response.json()["status"]["error_description"]


async def test_an_unknown_model_or_path_gets_404(http: httpx.AsyncClient, api_url: str) -> None:
    response = await call(http, api_url, {"records": [{}]}, model="medium")
    assert response.status_code == 404
    assert "unknown model" in response.json()["status"]["error_description"]
    assert (await http.get(f"{api_url}/elsewhere")).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "http://10.1.2.3/a.jpg",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/a.jpg",
        "http://224.0.0.1/a.jpg",
        "http://0.0.0.0/a.jpg",
        "file:///etc/passwd",
        "ftp://example.com/a.jpg",
    ],
)
async def test_a_private_or_odd_url_is_refused(
    http: httpx.AsyncClient, api_url: str, url: str
) -> None:
    record = (await call(http, api_url, {"records": [{"_url": url}]})).json()["records"][0]
    assert record["_status"]["code"] == 400
    assert "_output_url" not in record


async def test_a_redirect_to_a_refused_address_is_refused(
    http: httpx.AsyncClient, api_url: str
) -> None:
    # Only 127.0.0.0/8 is allowed: the second hop to 10.0.0.1 is checked again.
    routes = {"/hop": (302, {"Location": "http://10.0.0.1/a.jpg"}, b"")}
    with image_host(routes) as host:
        record = (await call(http, api_url, {"records": [{"_url": f"{host}/hop"}]})).json()
    status = record["records"][0]["_status"]
    assert status["code"] == 400
    assert "private" in status["error_description"]


async def test_an_expired_output_answers_404(
    http: httpx.AsyncClient, api_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    record = (await call(http, api_url, {"records": [{"_base64": b64(DISC)}]})).json()
    url = record["records"][0]["_output_url"]
    assert (await http.get(url)).status_code == 200
    path = next(tmp_path_factory.getbasetemp().glob(f"server*/outputs/{url.rsplit('/', 1)[1]}"))
    day_ago = time.time() - 24 * 3600 - 1
    os.utime(path, (day_ago, day_ago))
    expired = await http.get(url)
    assert expired.status_code == 404
    assert "expired" in expired.json()["status"]["error_description"]


async def test_health_and_openapi(http: httpx.AsyncClient, api_url: str) -> None:
    health = (await http.get(f"{api_url}/health")).json()
    assert health["status"] == "ok"
    assert set(health["models"]) == {"fast", "precise"}
    schema = (await http.get(f"{api_url}/openapi.json")).json()
    assert "/removebg/{model}/removebg" in schema["paths"]
    assert "_base64" in schema["components"]["schemas"]["Record"]["properties"]


async def test_a_full_queue_answers_429_with_retry_after_when_waiting_is_off(
    tmp_path: Path, models_dir: Path, http: httpx.AsyncClient
) -> None:
    settings = server_settings(
        tmp_path,
        models_dir,
        queue_size=1,
        engine_concurrency=1,
        max_records=2,
        queue_wait_seconds=0,
    )
    big = encode(disc((1600, 1200)), "JPEG")
    with running(settings) as url:
        busy = [call(http, url, {"records": [{"_base64": b64(big)}]}, "precise") for _ in range(4)]
        answers = await asyncio.gather(*busy)
    codes = sorted(answer.status_code for answer in answers)
    assert codes == [200, 200, 429, 429]
    refused = next(answer for answer in answers if answer.status_code == 429)
    assert refused.json()["status"]["code"] == 429
    assert int(refused.headers["Retry-After"]) >= 1


async def test_a_record_with_both_url_and_base64_is_refused(
    http: httpx.AsyncClient, api_url: str
) -> None:
    body = {"records": [{"_base64": b64(DISC), "_url": "http://example.com/a.jpg"}]}
    status = (await call(http, api_url, body)).json()["records"][0]["_status"]
    assert status["code"] == 400
    assert "not both" in status["error_description"]


async def test_the_sweeper_deletes_expired_outputs(
    tmp_path: Path, models_dir: Path, http: httpx.AsyncClient
) -> None:
    settings = server_settings(
        tmp_path, models_dir, output_ttl_seconds=1, sweep_interval_seconds=1
    )
    with running(settings) as url:
        await call(http, url, {"records": [{"_base64": b64(DISC)}]})
        outputs = tmp_path / "outputs"
        assert await asyncio.to_thread(os.listdir, outputs)
        for _ in range(50):
            await asyncio.sleep(0.1)
            if not await asyncio.to_thread(os.listdir, outputs):
                break
        assert await asyncio.to_thread(os.listdir, outputs) == []
