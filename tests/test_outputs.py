"""Outputs over real HTTP on loopback: their headers, their 404 and the base of their URLs."""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError
from starlette.requests import Request

from services.config import Settings
from services.server.__main__ import warn_about_exposure
from services.server.outputs import lifetime, output_base
from tests.images import disc, encode
from tests.server_process import server_env, server_process
from tests.servers import TOKEN, free_port, running, server_settings

AUTH = {"Authorization": f"Token {TOKEN}"}
BODY = {"records": [{"_base64": base64.b64encode(encode(disc(), "JPEG")).decode()}]}
TWO_HOURS = 7200


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, models_dir: Path
) -> Iterator[tuple[str, Path]]:
    """A server whose outputs last 2 h: its URL and its output folder."""
    tmp = tmp_path_factory.mktemp("outputs")
    settings = server_settings(tmp, models_dir, output_ttl_seconds=TWO_HOURS)
    with running(settings) as url:
        yield url, settings.server.output_dir


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=60) as client:
        yield client


async def cut_out(http: httpx.AsyncClient, api_url: str, **headers: str) -> str:
    response = await http.post(
        f"{api_url}/removebg/fast/removebg", json=BODY, headers={**AUTH, **headers}
    )
    url: str = response.json()["records"][0]["_output_url"]
    return url


async def test_outputs_carry_nosniff_a_filename_and_their_remaining_lifetime(
    http: httpx.AsyncClient, served: tuple[str, Path]
) -> None:
    api_url, folder = served
    url = await cut_out(http, api_url)
    key = url.rsplit("/", 1)[1]
    for method in ("GET", "HEAD"):
        response = await http.request(method, url)
        assert response.status_code == 200
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["content-disposition"] == f'inline; filename="{key}"'
        max_age = int(response.headers["cache-control"].removeprefix("private, max-age="))
        assert TWO_HOURS - 60 < max_age <= TWO_HOURS
    made = time.time() - (TWO_HOURS - 100)  # as if made 100 s before it expires
    await asyncio.to_thread(os.utime, folder / key, (made, made))
    late = await http.get(url)
    assert 0 < int(late.headers["cache-control"].removeprefix("private, max-age=")) <= 100


async def test_the_404_of_an_output_names_the_configured_lifetime(
    http: httpx.AsyncClient, served: tuple[str, Path]
) -> None:
    api_url, _ = served
    missing = await http.get(f"{api_url}/outputs/{'0' * 32}.png")
    assert missing.status_code == 404
    assert "outputs last 2 h" in missing.json()["status"]["error_description"]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (90, "90 s"),
        (60, "1 min"),
        (1800, "30 min"),
        (7200, "2 h"),
        (86400, "24 h"),
        (172800, "2 days"),
        (5401, "5401 s"),
    ],
)
def test_a_lifetime_is_written_in_its_largest_whole_unit(seconds: int, text: str) -> None:
    assert lifetime(seconds) == text


async def test_a_forged_host_header_does_not_reach_output_urls(
    http: httpx.AsyncClient, api_url: str
) -> None:
    forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    url = await cut_out(http, api_url, **forged)
    assert url.startswith(f"{api_url}/outputs/")
    assert (await http.get(url)).status_code == 200


def request_to(server: tuple[str, int] | None, scheme: str = "http") -> Request:
    headers = [(b"host", b"evil.example")]
    return Request({"type": "http", "scheme": scheme, "server": server, "headers": headers})


@pytest.mark.parametrize(
    ("server", "scheme", "base"),
    [
        (("10.0.0.5", 8000), "http", "http://10.0.0.5:8000"),
        (("10.0.0.5", 80), "http", "http://10.0.0.5"),
        (("10.0.0.5", 443), "https", "https://10.0.0.5"),
        (("::1", 8000), "http", "http://[::1]:8000"),
        (None, "http", "http://localhost"),
    ],
)
def test_output_urls_name_the_address_the_connection_came_to(
    server: tuple[str, int] | None, scheme: str, base: str
) -> None:
    settings = Settings(_env_file=None).server
    assert output_base(request_to(server, scheme), settings) == base
    public = Settings(_env_file=None, public_base_url="https://cutouts.example.org").server
    assert output_base(request_to(server, scheme), public) == "https://cutouts.example.org"


@pytest.mark.parametrize(
    ("host", "proxies", "warned"),
    [
        ("0.0.0.0", "", True),
        ("::", "", True),
        ("192.168.1.10", "", True),
        ("example.org", "", True),
        ("127.0.0.1", "", False),
        ("::1", "", False),
        ("localhost", "", False),
        ("127.0.0.1", "127.0.0.1", True),
    ],
)
def test_listening_beyond_loopback_without_a_public_base_url_is_warned_of(
    caplog: pytest.LogCaptureFixture, host: str, proxies: str, warned: bool
) -> None:
    settings = Settings(_env_file=None, server_host=host, trusted_proxies=proxies).server
    with caplog.at_level(logging.WARNING):
        warn_about_exposure(settings)
        warn_about_exposure(settings.model_copy(update={"public_base_url": "https://a.example"}))
    warnings = [r for r in caplog.records if "PUBLIC_BASE_URL is unset" in r.getMessage()]
    assert len(warnings) == int(warned)


def test_trusted_proxies_are_addresses_or_networks() -> None:
    settings = Settings(_env_file=None, trusted_proxies="10.0.0.5, 192.168.0.0/16,::1")
    assert settings.server.trusted_proxies == ["10.0.0.5", "192.168.0.0/16", "::1"]
    assert Settings(_env_file=None).server.trusted_proxies == []
    for wrong in ("proxy.example", "10.0.0.5/8", "*"):
        with pytest.raises(ValidationError, match="trusted_proxies"):
            Settings(_env_file=None, trusted_proxies=wrong)


@pytest.mark.parametrize(("proxies", "scheme"), [("", "http"), ("127.0.0.1", "https")])
async def test_forwarded_headers_count_only_from_trusted_proxies(
    tmp_path: Path, models_dir: Path, http: httpx.AsyncClient, proxies: str, scheme: str
) -> None:
    port = free_port()
    env = server_env(
        tmp_path, models_dir, SERVER_TOKENS=TOKEN, SERVER_PORT=str(port), TRUSTED_PROXIES=proxies
    )
    env.pop("PUBLIC_BASE_URL", None)
    async with server_process(tmp_path, env) as served:
        forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
        url = await cut_out(http, served.url, **forwarded)
    assert url.startswith(f"{scheme}://127.0.0.1:{port}/outputs/")
    assert ("PUBLIC_BASE_URL is unset" in served.log) == bool(proxies)
