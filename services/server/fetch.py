"""Fetch a record's `_url` without letting it reach the server's own network.

Every hop of a redirect is checked again. The connection goes to the address that was
checked (the Host header and TLS SNI keep the name), so DNS can't change the answer between
the check and the request.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Sequence
from urllib.parse import urljoin

import httpx

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_REDIRECTS = 5


class FetchError(Exception):
    """The URL can't be used; the message is fit for `error_description`."""


class UrlFetcher:
    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        max_bytes: int,
        timeout: float,
        allow: Sequence[str] = (),
    ) -> None:
        self._client = client
        self._max_bytes = max_bytes
        self._timeout = timeout
        self._allow: list[Network] = [ipaddress.ip_network(net, strict=False) for net in allow]

    async def fetch(self, url: str) -> bytes:
        try:
            async with asyncio.timeout(self._timeout):
                return await self._follow(url)
        except TimeoutError:
            raise FetchError(f"the image URL did not answer within {self._timeout:g} s") from None
        except httpx.HTTPError as exc:
            raise FetchError(f"the image URL could not be fetched ({type(exc).__name__})") from exc

    async def _follow(self, url: str) -> bytes:
        for _ in range(MAX_REDIRECTS + 1):
            target = httpx.URL(url)
            request = await self._request_for(target)
            response = await self._client.send(request, stream=True)
            try:
                if response.is_redirect and "location" in response.headers:
                    url = urljoin(str(target), response.headers["location"])
                    continue
                if response.status_code != 200:
                    raise FetchError(f"the image URL answered HTTP {response.status_code}")
                return await self._read(response)
            finally:
                await response.aclose()
        raise FetchError(f"the image URL redirected more than {MAX_REDIRECTS} times")

    async def _request_for(self, url: httpx.URL) -> httpx.Request:
        if url.scheme not in ("http", "https") or not url.host:
            raise FetchError("only http and https image URLs are accepted")
        address = await self._permitted_address(url.host, url.port or _PORTS[url.scheme])
        pinned = url.copy_with(host=str(address))
        headers = {"Host": url.netloc.decode("ascii"), "Accept": "image/*"}
        return self._client.build_request(
            "GET", pinned, headers=headers, extensions={"sni_hostname": url.host}
        )

    async def _permitted_address(self, host: str, port: int) -> Address:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except OSError:
            raise FetchError(f"the image URL's host {host!r} could not be resolved") from None
        addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
        refused = [address for address in addresses if not self._permitted(address)]
        if refused or not addresses:
            raise FetchError("the image URL points to a private or reserved address")
        return addresses[0]

    def _permitted(self, address: Address) -> bool:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if any(address in net for net in self._allow):
            return True
        return address.is_global and not address.is_multicast

    async def _read(self, response: httpx.Response) -> bytes:
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self._max_bytes:
            raise FetchError(_too_big(self._max_bytes))
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > self._max_bytes:
                raise FetchError(_too_big(self._max_bytes))
            chunks.append(chunk)
        return b"".join(chunks)


_PORTS = {"http": 80, "https": 443}


def _too_big(limit: int) -> str:
    return f"the image at the URL is larger than {limit // (1024 * 1024)} MB"
