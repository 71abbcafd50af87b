"""Malformed `_url`s and IPv6 forms that carry an IPv4 address: refused with a FetchError."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.server.fetch import FetchError, UrlFetcher
from services.server.targets import embedded_ipv4, parse_target, permitted
from tests.servers import TOKEN, Route, image_host

LONG_LABEL = "a" * 64
LONG_HOST = ".".join(["a" * 60] * 5)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


def fetcher(client: httpx.AsyncClient, allow: list[str] | None = None) -> UrlFetcher:
    return UrlFetcher(client, max_bytes=1000, timeout=5, allow=allow or [])


MALFORMED = [
    ("http://[::1", "malformed"),
    ("http://a:80:80/", "malformed"),
    ("http://0177.0.0.1/", "malformed"),
    ("http://256.256.256.256/", "malformed"),
    ("http://[1:2:3]/", "malformed"),
    ("http://example.com:80a/", "malformed"),
    ("http://xn--a.com/", "not valid IDNA"),
    ("http://xn--zz-zz.com/", "not valid IDNA"),
    ("http://\u2603.com/", "malformed"),
    ("http://\uff21.com/", "malformed"),
    ("http://\u0080.com/", "control characters"),
    ("http://a\u200d.com/", "control characters"),
    (f"http://{LONG_LABEL}.com/", "longer than 63"),
    (f"http://{LONG_HOST}/", "longer than 253"),
    ("http://" + "a." * 130 + "com/", "longer than 253"),
    ("http://a..com/", "not a valid host name"),
    ("http://.com/", "not a valid host name"),
    ("http://-a.com/", "not a valid host name"),
    ("http://%41.com/", "not a valid host name"),
    ("https://xn--/", "not a valid host name"),
    ("http://0x7f.1/", "neither a name nor an IP address"),
    ("http://2130706433/", "neither a name nor an IP address"),
    ("http:///x", "no host"),
    ("http://:80/", "no host"),
    ("http://", "no host"),
    ("ftp://example.com/", "only http and https"),
    ("file:///etc/passwd", "only http and https"),
    ("javascript:alert(1)", "only http and https"),
    ("", "only http and https"),
    (" http://example.com/", "spaces or control characters"),
    ("http://exa mple.com/", "spaces or control characters"),
    ("http://example.com/\n", "spaces or control characters"),
    ("http://ex\tample.com/", "spaces or control characters"),
    ("http://exa\x00mple.com/", "spaces or control characters"),
    ("http://example.com/\x7f", "spaces or control characters"),
    ("http://example.com:0/", "port 0 is not between"),
    ("http://example.com:65536/", "port 65536 is not between"),
    ("http://example.com:99999/", "port 99999 is not between"),
    ("http://example.com:-1/", "port -1 is not between"),
    ("http://example.com/\u00a0", "spaces or control characters"),
    ("http://example.com/" + "a" * 70_000, "longer than 65536 characters"),
]


@pytest.mark.parametrize(("url", "reason"), MALFORMED)
async def test_a_malformed_url_is_a_fetch_error_that_says_why(
    client: httpx.AsyncClient, url: str, reason: str
) -> None:
    with pytest.raises(FetchError, match=reason):
        await fetcher(client).fetch(url)


URL_PIECES = st.builds(
    "{}://{}{}{}".format,
    st.sampled_from(["http", "https", "HTTP", "ftp", ""]),
    st.one_of(st.text(max_size=300), st.from_regex(r"\[[0-9a-fA-F:.%]*\]?", fullmatch=True)),
    st.one_of(st.just(""), st.integers().map(":{}".format), st.text(max_size=8).map(":{}".format)),
    st.text(max_size=20),
)


@given(st.one_of(URL_PIECES, st.text()))
def test_any_text_is_either_a_sound_target_or_a_fetch_error(text: str) -> None:
    try:
        target = parse_target(text)
    except FetchError:
        return
    assert target.host.isascii()
    assert target.host
    assert 1 <= target.port <= 65535
    assert target.url.scheme in ("http", "https")


@pytest.mark.parametrize(
    ("location", "reason"),
    [("http://[::1", "could not be fetched"), ("http://xn--a.com/", "not valid IDNA")],
)
async def test_a_redirect_to_a_malformed_url_is_a_fetch_error(
    client: httpx.AsyncClient, location: str, reason: str
) -> None:
    routes: dict[str, Route] = {"/a": (302, {"Location": location}, b"")}
    with image_host(routes) as host, pytest.raises(FetchError, match=reason):
        await fetcher(client, ["127.0.0.0/8"]).fetch(f"{host}/a")


async def test_an_idn_host_is_looked_up_by_its_a_label(client: httpx.AsyncClient) -> None:
    with pytest.raises(FetchError, match="'xn--4ca.invalid' could not be resolved"):
        await fetcher(client).fetch("http://\u00e4.invalid/a.png")


# IPv6 forms that carry an IPv4 address; Python 3.11 calls several of them global.
CARRIES_PRIVATE = [
    "::7f00:1",  # IPv4-compatible 127.0.0.1
    "::a00:1",  # IPv4-compatible 10.0.0.1
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:0:a9fe:a9fe",  # IPv4-translated 169.254.169.254
    "64:ff9b::7f00:1",  # NAT64 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 169.254.169.254
    "64:ff9b:1::808:808",  # local-use NAT64: never public, whatever it carries
    "2002:7f00:1::1",  # 6to4 127.0.0.1
    "2002:c0a8:101::1",  # 6to4 192.168.1.1
    "2001:0:a00:1::f7f7:f7f7",  # Teredo: server 10.0.0.1, client 8.8.8.8
    "2001:0:808:808::3fff:fdd2",  # Teredo: server 8.8.8.8, client 192.0.2.45
]
CARRIES_PUBLIC = ["::808:808", "64:ff9b::808:808", "2002:808:808::1", "2606:4700::1111"]


@pytest.mark.parametrize("address", CARRIES_PRIVATE)
async def test_an_ipv6_address_carrying_a_private_ipv4_is_refused(
    client: httpx.AsyncClient, address: str
) -> None:
    with pytest.raises(FetchError, match="private or reserved"):
        await fetcher(client).fetch(f"http://[{address}]/a.png")


@pytest.mark.parametrize("address", CARRIES_PUBLIC)
def test_an_ipv6_address_carrying_a_public_ipv4_is_permitted(address: str) -> None:
    assert permitted(ipaddress.IPv6Address(address), [])


def test_the_allow_list_covers_the_ipv4_an_ipv6_address_carries() -> None:
    loopback = [ipaddress.ip_network("127.0.0.0/8")]
    assert permitted(ipaddress.IPv6Address("64:ff9b::7f00:1"), loopback)
    assert not permitted(ipaddress.IPv6Address("64:ff9b::a00:1"), loopback)


def test_both_teredo_addresses_are_carried() -> None:
    teredo = ipaddress.IPv6Address("2001:0:a00:1::f7f7:f7f7")
    assert embedded_ipv4(teredo) == [
        ipaddress.IPv4Address("10.0.0.1"),
        ipaddress.IPv4Address("8.8.8.8"),
    ]


def _carriers(inner: ipaddress.IPv4Address) -> list[ipaddress.IPv6Address]:
    bits = int(inner)
    return [
        ipaddress.IPv6Address(bits),  # IPv4-compatible
        ipaddress.IPv6Address((0xFFFF << 32) | bits),  # IPv4-mapped
        ipaddress.IPv6Address((0xFFFF << 48) | bits),  # IPv4-translated
        ipaddress.IPv6Address((0x64FF9B << 96) | bits),  # NAT64
        ipaddress.IPv6Address((0x2002 << 112) | (bits << 80) | 1),  # 6to4
    ]


@given(st.ip_addresses(v=4).filter(lambda address: not address.is_global))
def test_no_form_carrying_a_non_public_ipv4_is_permitted(inner: ipaddress.IPv4Address) -> None:
    for carrier in _carriers(inner):
        assert embedded_ipv4(carrier) == [inner] or carrier.ipv4_mapped == inner
        assert not permitted(carrier, [])


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://[::1", "malformed"),
        ("http://xn--a.com/", "not valid IDNA"),
        (f"http://{LONG_LABEL}.com/", "longer than 63"),
        ("http://example.com:99999/", "not between 1 and 65535"),
        ("http://[64:ff9b::a9fe:a9fe]/a.png", "private or reserved"),
    ],
)
async def test_the_server_answers_a_malformed_url_with_the_records_400(
    api_url: str, url: str, reason: str
) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.post(
            f"{api_url}/removebg/fast/removebg",
            json={"records": [{"_url": url}]},
            headers={"Authorization": f"Token {TOKEN}"},
        )
    assert response.status_code == 200
    status = response.json()["records"][0]["_status"]
    assert status["code"] == 400
    assert reason in status["error_description"]
