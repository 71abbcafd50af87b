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

import httpx

from .targets import Address, FetchError, Network, Target, parse_target, permitted

__all__ = ["FetchError", "UrlFetcher"]
MAX_REDIRECTS = 5


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
            target = parse_target(url)
            request = await self._request_for(target)
            response = await self._send(request)
            try:
                if response.is_redirect and "location" in response.headers:
                    # httpx has already refused a Location it can't parse (RemoteProtocolError)
                    url = str(target.url.join(response.headers["location"]))
                    continue
                if response.status_code != 200:
                    raise FetchError(f"the image URL answered HTTP {response.status_code}")
                return await self._read(response)
            finally:
                await response.aclose()
        raise FetchError(f"the image URL redirected more than {MAX_REDIRECTS} times")

    async def _send(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._client.send(request, stream=True)
        except UnicodeError as exc:  # httpx reads a redirect's host, and idna may refuse it
            raise FetchError("the image URL redirected to a host that is not valid IDNA") from exc

    async def _request_for(self, target: Target) -> httpx.Request:
        address = await self._permitted_address(target.host, target.port)
        try:
            pinned = target.url.copy_with(host=str(address))
        except httpx.InvalidURL as exc:
            raise FetchError(f"the image URL's address {address} can't be used") from exc
        headers = {"Host": target.url.netloc.decode("ascii"), "Accept": "image/*"}
        return self._client.build_request(
            "GET", pinned, headers=headers, extensions={"sni_hostname": target.host}
        )

    async def _permitted_address(self, host: str, port: int) -> Address:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except (OSError, UnicodeError):
            raise FetchError(f"the image URL's host {host!r} could not be resolved") from None
        # A link-local answer carries its zone ("fe80::1%eth0"); the address is what is judged.
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
        refused = [address for address in addresses if not permitted(address, self._allow)]
        if refused or not addresses:
            raise FetchError("the image URL points to a private or reserved address")
        return addresses[0]

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


def _too_big(limit: int) -> str:
    return f"the image at the URL is larger than {limit // (1024 * 1024)} MB"
