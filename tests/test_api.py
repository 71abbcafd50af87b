"""RemoveBgClient against our own server, over real HTTP on loopback, with real inference."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from services.contract import (
    AuthError,
    ImageRejectedError,
    OutputOptions,
    RateLimitedError,
    RequestRejectedError,
    ServiceUnavailableError,
)
from services.contract.local import LocalBackend
from services.removebg import RemoveBgClient
from tests.images import disc, encode, opened
from tests.servers import TOKEN, running, server_settings

DISC = encode(disc(), "PNG")


@pytest.fixture
async def client(api_url: str) -> AsyncIterator[RemoveBgClient]:
    async with RemoveBgClient(api_url, TOKEN, retries=0) as client:
        yield client


@pytest.mark.parametrize("model", ["fast", "precise"])
@pytest.mark.parametrize(
    "options",
    [
        OutputOptions(),
        OutputOptions(binary_mask=True),
        OutputOptions(white_background=True, image_format="webp", image_quality=60),
        OutputOptions(binary_mask=True, white_background=True, image_format="jpg"),
    ],
    ids=["default", "mask", "white-webp", "all-jpg"],
)
async def test_remove_returns_every_output_asked(
    client: RemoveBgClient, model: str, options: OutputOptions
) -> None:
    result = await client.remove(DISC, model=model, options=options)  # type: ignore[arg-type]
    assert (result.width, result.height, result.model) == (160, 120, model)
    assert result.processing_time > 0
    assert result.request_id
    cutout = opened(result.image)
    assert cutout.format == {None: "PNG", "webp": "WEBP", "jpg": "JPEG"}[options.image_format]
    assert cutout.size == (160, 120)
    assert (result.mask is not None) == options.binary_mask
    assert (result.white is not None) == options.white_background
    if result.mask is not None:
        assert opened(result.mask).mode == "L"


async def test_local_and_http_backends_agree(client: RemoveBgClient, models_dir: Path) -> None:
    from services.engine import Engine

    options = OutputOptions(binary_mask=True)
    remote = await client.remove(DISC, model="fast", options=options)
    local = LocalBackend(Engine(models_dir))
    await local.initialize()
    try:
        here = await local.remove(DISC, model="fast", options=options)
    finally:
        await local.shutdown()
    assert (here.width, here.height, here.image_format) == (remote.width, remote.height, "png")
    assert here.mask == remote.mask  # the same engine, byte for byte


async def test_a_bad_token_is_an_auth_error(
    api_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with RemoveBgClient(api_url, "wrong-token-77") as client:
        with pytest.raises(AuthError) as caught:
            await client.remove(DISC, model="fast")
    assert "wrong-token-77" not in str(caught.value) + repr(client) + caplog.text


async def test_a_broken_image_is_rejected_with_the_reason(client: RemoveBgClient) -> None:
    with pytest.raises(ImageRejectedError, match="not an image|isn't an image|image") as caught:
        await client.remove(b"just some text, not a picture", model="fast")
    assert caught.value.status_code == 400


async def test_a_too_large_body_is_refused(client: RemoveBgClient) -> None:
    noise = encode(disc((1200, 1000)), "BMP")  # 3.6 MB: over the fixture's 1 MiB body limit
    with pytest.raises(RequestRejectedError, match="larger than") as caught:
        await client.remove(noise, model="fast")
    assert caught.value.status_code == 413


async def test_an_expired_output_is_reported(tmp_path: Path, models_dir: Path) -> None:
    class Late(httpx.AsyncHTTPTransport):
        """Real HTTP, but outputs are fetched once they have expired (TTL 1 s)."""

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if not request.url.path.startswith("/outputs/"):
                return await super().handle_async_request(request)
            for _ in range(100):  # asks again until the server says it has gone
                response = await super().handle_async_request(request)
                if response.status_code == 404:
                    return response
                await response.aclose()
                await asyncio.sleep(0.05)
            raise AssertionError("the output never expired")

    with running(server_settings(tmp_path, models_dir, output_ttl_seconds=1)) as url:
        async with RemoveBgClient(url, TOKEN, transport=Late()) as client:
            with pytest.raises(ServiceUnavailableError, match="expired") as caught:
                await client.remove(DISC, model="fast")
    assert caught.value.status_code == 404


async def test_overload_is_rate_limited_then_retried(tmp_path: Path, models_dir: Path) -> None:
    big = encode(disc((1600, 1200)), "JPEG")
    settings = server_settings(
        tmp_path,
        models_dir,
        queue_size=0,
        engine_concurrency=1,
        max_records=1,
        queue_wait_seconds=0,
    )
    with running(settings) as url:
        async with (
            RemoveBgClient(url, TOKEN, retries=0) as impatient,
            RemoveBgClient(url, TOKEN, retries=5, max_retry_after=60) as patient,
        ):
            first = asyncio.create_task(patient.remove(big, model="precise"))
            await _until_pending(url, 1)  # the first job holds the only slot
            with pytest.raises(RateLimitedError) as caught:
                await impatient.remove(DISC, model="fast")
            assert caught.value.retry_after is not None
            assert caught.value.retry_after >= 1
            second = await patient.remove(DISC, model="fast")  # waits out Retry-After
            assert second.width == 160
            assert (await first).width == 1600


async def _until_pending(url: str, records: int) -> None:
    """Wait until the server's /health counts `records` admitted records."""
    async with httpx.AsyncClient(base_url=url) as probe:
        for _ in range(200):
            if (await probe.get("/health")).json()["queue"]["pending"] >= records:
                return
            await asyncio.sleep(0.02)
    raise AssertionError(f"the server never admitted {records} record(s)")


async def test_a_server_that_is_down_is_unavailable() -> None:
    async with RemoveBgClient("http://127.0.0.1:9", TOKEN, retries=1, backoff=0.01) as client:
        with pytest.raises(ServiceUnavailableError, match="reach"):
            await client.remove(DISC, model="fast")
