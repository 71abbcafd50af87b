"""The contract over HTTP: Ximilar's cloud service or our own server, behind one client."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import AsyncIterator
from typing import Any, Self

import httpx
from pydantic import SecretStr

from ..contract.backend import RemoveBgResult
from ..contract.errors import (
    MalformedAnswerError,
    RemoveBgError,
    ServiceTimeoutError,
    ServiceUnavailableError,
)
from ..contract.wire import MODELS, Model, OutputOptions, Record, RemoveBgAnswer, RemoveBgRequest
from ..logs import HEADER, REQUEST_ID, new_request_id
from .answers import check_download, checked_record, output_urls, parse_answer, size, status_error
from .retry import RETRY_ERRORS, RETRY_STATUSES, RetryPolicy, Sleep, parse_retry_after

logger = logging.getLogger(__name__)

DEFAULT_MAX_DOWNLOAD_BYTES = 100 << 20
CONNECT_TIMEOUT = 10.0
MAX_DESCRIPTION = 300
_DEFAULT_PORTS = {"http": 80, "https": 443}

Origin = tuple[str, str, int]


class RemoveBgClient:
    """A Backend that calls a Remove Background server; owns one `httpx.AsyncClient`."""

    def __init__(
        self,
        base_url: str,
        token: SecretStr | str,
        *,
        timeout: float = 60.0,
        retries: int = 3,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        max_retry_after: float = 30.0,
        max_download_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._base = _parse_base_url(base_url)
        self._token = token if isinstance(token, SecretStr) else SecretStr(token)
        self._timeout = httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT))
        self._policy = RetryPolicy(retries, backoff, max_backoff, max_retry_after)
        self._max_download_bytes = max_download_bytes
        self._transport = transport
        self._sleep = sleep
        self._http: httpx.AsyncClient | None = None

    @property
    def base_url(self) -> str:
        return str(self._base)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    async def initialize(self) -> None:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=self._timeout, transport=self._transport)

    async def shutdown(self) -> None:
        http, self._http = self._http, None
        if http is not None:
            await http.aclose()

    async def __aenter__(self) -> Self:
        await self.initialize()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.shutdown()

    async def remove(
        self, image: bytes, *, model: Model, options: OutputOptions | None = None
    ) -> RemoveBgResult:
        """Send one image, then download its cut-out and whatever else `options` asks for."""
        if model not in MODELS:
            raise ValueError(f"unknown model {model!r}; choose one of {', '.join(MODELS)}")
        options = options or OutputOptions()
        answer = await self._call(model, build_request(image, options))
        record = checked_record(answer, self._redact)
        width, height = size(record)
        cutout, mask, white = await self._download_all(*output_urls(record, options))
        status_id = record.status.request_id if record.status else None
        return RemoveBgResult(
            image=cutout,
            image_format=options.image_format or "png",
            width=width,
            height=height,
            model=model,
            mask=mask,
            white=white,
            processing_time=answer.processing_time or 0.0,
            request_id=answer.status.request_id or status_id,
        )

    async def _call(self, model: Model, body: dict[str, Any]) -> RemoveBgAnswer:
        response = await self._post(f"{self.base_url}/removebg/{model}/removebg", body)
        if not response.is_success:
            raise status_error(response, self._redact)
        return parse_answer(response.content)

    async def _post(self, url: str, body: dict[str, Any]) -> httpx.Response:
        """POST, retrying what may pass: connect failures, 429, 502, 503 and 504."""
        data = json.dumps(body).encode()
        headers = {
            **self._auth(),
            "Content-Type": "application/json",
            "Content-Length": str(len(data)),
            HEADER: REQUEST_ID.get() or new_request_id(),
        }
        attempt = 0
        while True:
            try:
                response = await self._client().post(url, content=_parts(data), headers=headers)
            except RETRY_ERRORS as exc:
                delay = self._policy.delay(attempt)
                if delay is None:
                    raise _transport_error(exc) from exc
                reason = type(exc).__name__
            except httpx.RequestError as exc:
                raise _transport_error(exc) from exc
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                delay = self._policy.delay(attempt, retry_after)
                if delay is None:
                    return response
                reason = f"HTTP {response.status_code}"
            attempt += 1
            logger.info(
                "remove-bg call to %s failed (%s); retry %d of %d in %.2fs",
                httpx.URL(url).path,
                reason,
                attempt,
                self._policy.retries,
                delay,
            )
            await self._sleep(delay)

    async def _download_all(
        self, cutout: str, mask: str | None, white: str | None
    ) -> tuple[bytes, bytes | None, bytes | None]:
        """Fetch the outputs at once; the first failure cancels the other downloads."""
        try:
            async with asyncio.TaskGroup() as group:
                first = group.create_task(self._download(cutout))
                second = group.create_task(self._download_if(mask))
                third = group.create_task(self._download_if(white))
        except ExceptionGroup as errors:
            error = errors.exceptions[0]
            if all(isinstance(each, RemoveBgError) for each in errors.exceptions):
                raise error from error.__cause__
            raise
        return first.result(), second.result(), third.result()

    async def _download_if(self, url: str | None) -> bytes | None:
        return await self._download(url) if url else None

    async def _download(self, url: str) -> bytes:
        target = self._output_url(url)
        headers = self._auth() if _origin(target) == _origin(self._base) else None
        try:
            async with self._client().stream(
                "GET", target, headers=headers, follow_redirects=True
            ) as response:
                check_download(response)
                return await self._read_capped(response)
        except httpx.RequestError as exc:
            raise _transport_error(exc, "we could not download the result") from exc

    async def _read_capped(self, response: httpx.Response) -> bytes:
        limit = self._max_download_bytes
        declared = response.headers.get("Content-Length", "")
        too_large = ServiceUnavailableError(f"its result is larger than {limit} bytes")
        if declared.isdigit() and int(declared) > limit:
            raise too_large
        content = bytearray()
        async for chunk in response.aiter_bytes():
            content += chunk
            if len(content) > limit:
                raise too_large
        if not content:
            raise MalformedAnswerError("an output file is empty")
        return bytes(content)

    def _output_url(self, url: str) -> httpx.URL:
        """An absolute http(s) URL; a relative one is read against the base URL."""
        try:
            target = self._base.join(url)
        except httpx.InvalidURL as exc:
            raise MalformedAnswerError("an output URL is invalid") from exc
        if target.scheme not in _DEFAULT_PORTS:
            raise MalformedAnswerError("an output URL is not http(s)")
        return target

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            raise RuntimeError(f"{type(self).__name__}.initialize() was not awaited")
        return self._http

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Token {self._token.get_secret_value()}"}

    def _redact(self, text: str | None) -> str | None:
        """Text from the service, cut short and with our token masked, should it echo it."""
        if not text or not text.strip():
            return None
        token = self._token.get_secret_value()
        text = text.strip()[:MAX_DESCRIPTION]
        return text.replace(token, "***") if token else text


def build_request(image: bytes, options: OutputOptions) -> dict[str, Any]:
    """The JSON body: the options both in the record (as the public example does) and on top."""
    record = Record.model_validate(
        {
            "_base64": base64.b64encode(image).decode("ascii"),
            "binary_mask": options.binary_mask,
            "white_background": options.white_background,
        }
    )
    return RemoveBgRequest(records=[record], **options.model_dump()).dump()


def _transport_error(
    exc: httpx.RequestError, detail: str = "we could not reach it"
) -> ServiceUnavailableError:
    if isinstance(exc, httpx.TimeoutException):
        return ServiceTimeoutError()
    return ServiceUnavailableError(detail)


def _parse_base_url(base_url: str) -> httpx.URL:
    url = httpx.URL(base_url.rstrip("/"))
    if url.scheme not in _DEFAULT_PORTS or not url.host:
        raise ValueError("base_url must be an absolute http(s) URL")
    if url.userinfo:
        raise ValueError("base_url must not hold credentials; pass the token instead")
    return url


def _origin(url: httpx.URL) -> Origin:
    return url.scheme, url.host, url.port or _DEFAULT_PORTS.get(url.scheme, 0)


async def _parts(data: bytes, size: int = 1 << 20) -> AsyncIterator[bytes]:
    """The body a megabyte at a time: handed to httpx whole, a large body's upload can stall
    once the server answers early (a 429 before reading it), and the answer is lost."""
    view = memoryview(data)
    for at in range(0, len(data), size):
        yield view[at : at + size].tobytes()
