"""Which `_url`s may be fetched: a strict reading of the URL and a judgement of each address.

A URL is refused before any lookup when its scheme, host or port is not one an honest image
URL has. An address is refused unless it is allow-listed or public, and so is every IPv4
address it carries (NAT64, 6to4, Teredo, IPv4-compatible and -translated forms).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass

import httpx
import idna

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_URL_LENGTH = 65536  # httpx's own limit, checked first so no long loop runs on a huge one
MAX_HOST_LENGTH = 253
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?")
_NUMBER = re.compile(r"0x[0-9a-f]*|[0-9]+")  # a last label that IPv4 parsers read as a number
_LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215, never public
_LAST_32_BITS = [
    ipaddress.ip_network("::/96"),  # IPv4-compatible
    ipaddress.ip_network("::ffff:0:0:0/96"),  # IPv4-translated (SIIT)
    ipaddress.ip_network("64:ff9b::/96"),  # NAT64 well-known prefix
]


class FetchError(Exception):
    """The URL can't be used; the message is fit for `error_description`."""


@dataclass(frozen=True)
class Target:
    """A URL that passed `parse_target`; `host` is ASCII (an A-label name or a bare IP)."""

    url: httpx.URL
    host: str
    port: int


def parse_target(text: str) -> Target:
    """`text` as an http(s) URL with a sound host and port, or a FetchError saying why not."""
    if len(text) > MAX_URL_LENGTH:
        raise FetchError(f"the image URL is longer than {MAX_URL_LENGTH} characters")
    if " " in text or not text.isprintable():  # other spaces are not printable
        raise FetchError("the image URL contains spaces or control characters (percent-encode)")
    try:
        url = httpx.URL(text)
        host = url.raw_host.decode("ascii")
    except (httpx.InvalidURL, ValueError) as exc:  # ValueError covers idna's UnicodeErrors
        raise FetchError(f"the image URL is malformed ({exc})") from None
    if url.scheme not in DEFAULT_PORTS:
        raise FetchError("only http and https image URLs are accepted")
    if not host:
        raise FetchError("the image URL has no host")
    port = DEFAULT_PORTS[url.scheme] if url.port is None else url.port
    if not 1 <= port <= 65535:
        raise FetchError(f"the image URL's port {port} is not between 1 and 65535")
    _check_host(host.lower())
    return Target(url, host, port)


def _check_host(host: str) -> None:
    try:
        ipaddress.ip_address(host)
        return
    except ValueError:
        pass  # a name, then
    name = host.removesuffix(".")
    if len(name) > MAX_HOST_LENGTH:
        raise FetchError(f"the image URL's host is longer than {MAX_HOST_LENGTH} characters")
    labels = name.split(".")
    for label in labels:
        if len(label) > 63:
            raise FetchError("the image URL's host has a part longer than 63 characters")
        if not _LABEL.fullmatch(label):
            raise FetchError(f"the image URL's host {host!r} is not a valid host name")
        if label.startswith("xn--"):
            _check_a_label(label, host)
    if _NUMBER.fullmatch(labels[-1]):
        raise FetchError(f"the image URL's host {host!r} is neither a name nor an IP address")


def _check_a_label(label: str, host: str) -> None:
    """An `xn--` label must decode: httpx passes A-labels through unchecked."""
    try:
        idna.decode(label)
    except ValueError:  # idna.IDNAError is a UnicodeError
        raise FetchError(f"the image URL's host {host!r} is not valid IDNA") from None


def permitted(address: Address, allow: Sequence[Network]) -> bool:
    """Whether a `_url` may reach `address`: allow-listed, or public with any IPv4 it carries."""
    if any(address in net for net in allow):
        return True
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return permitted(address.ipv4_mapped, allow)
        if address in _LOCAL_NAT64:
            return False
        if not all(permitted(inner, allow) for inner in embedded_ipv4(address)):
            return False
    return address.is_global and not address.is_multicast


def embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries and may be routed to."""
    if address.teredo:
        return list(address.teredo)  # the Teredo server and client
    if address.sixtofour:
        return [address.sixtofour]
    if any(address in net for net in _LAST_32_BITS):
        return [ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)]
    return []
