"""The _url fetcher against plain HTTP servers on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from services.server.fetch import FetchError, UrlFetcher
from tests.servers import Route, image_host

LOOPBACK = ["127.0.0.0/8"]


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def fetcher(client: httpx.AsyncClient, allow: list[str], max_bytes: int = 1000) -> UrlFetcher:
    return UrlFetcher(client, max_bytes=max_bytes, timeout=5, allow=allow)


async def test_follows_redirects_and_reads_the_body(client: httpx.AsyncClient) -> None:
    routes = {"/a": (301, {"Location": "/b"}, b""), "/b": (200, {}, b"image bytes")}
    with image_host(routes) as host:
        assert await fetcher(client, LOOPBACK).fetch(f"{host}/a") == b"image bytes"


async def test_loopback_is_refused_without_the_allow_list(client: httpx.AsyncClient) -> None:
    with image_host({"/a": (200, {}, b"x")}) as host:
        with pytest.raises(FetchError, match="private"):
            await fetcher(client, []).fetch(f"{host}/a")
        with pytest.raises(FetchError, match="private"):
            await fetcher(client, []).fetch(host.replace("127.0.0.1", "localhost") + "/a")


async def test_each_hop_is_checked_against_the_allow_list(client: httpx.AsyncClient) -> None:
    with image_host({"/b": (200, {}, b"x")}, host="127.0.0.2") as other:
        routes = {"/a": (302, {"Location": f"{other}/b"}, b"")}
        with image_host(routes) as host:
            assert await fetcher(client, LOOPBACK).fetch(f"{host}/a") == b"x"
            with pytest.raises(FetchError, match="private"):
                await fetcher(client, ["127.0.0.1/32"]).fetch(f"{host}/a")


async def test_redirect_loops_and_errors_are_reported(client: httpx.AsyncClient) -> None:
    routes = {"/loop": (302, {"Location": "/loop"}, b""), "/gone": (410, {}, b"")}
    with image_host(routes) as host:
        with pytest.raises(FetchError, match="redirected more than"):
            await fetcher(client, LOOPBACK).fetch(f"{host}/loop")
        with pytest.raises(FetchError, match="HTTP 410"):
            await fetcher(client, LOOPBACK).fetch(f"{host}/gone")


async def test_size_is_capped(client: httpx.AsyncClient) -> None:
    routes: dict[str, Route] = {"/big": (200, {}, b"x" * 2000)}
    with image_host(routes) as host, pytest.raises(FetchError, match="larger than"):
        await fetcher(client, LOOPBACK).fetch(f"{host}/big")


@pytest.mark.parametrize(
    "url",
    [
        "http://[::ffff:127.0.0.1]/a",
        "http://[fe80::1]/a",
        "http://192.168.1.1/a",
        "http://100.64.0.1/a",
        "https://240.0.0.1/a",
        "gopher://example.com/",
        "http:///nohost",
    ],
)
async def test_refused_before_any_connection(client: httpx.AsyncClient, url: str) -> None:
    with pytest.raises(FetchError):
        await fetcher(client, []).fetch(url)


async def test_an_unresolvable_host_is_reported(client: httpx.AsyncClient) -> None:
    with pytest.raises(FetchError, match="could not be resolved"):
        await fetcher(client, []).fetch("http://no-such-host.invalid/a.jpg")
