"""RemoveBgClient against scripted answers through `httpx.MockTransport`.

These cover what only the cloud service or a proxy in front of a server would answer: 429s with
Retry-After, 502-504s, dropped connections, malformed bodies, outputs on another host, expired
outputs. The client against our real server over loopback is tested elsewhere.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from services.contract import (
    AuthError,
    ImageRejectedError,
    MalformedAnswerError,
    OutputOptions,
    RateLimitedError,
    RemoveBgAnswer,
    RemoveBgError,
    RemoveBgResult,
    RequestRejectedError,
    ServiceTimeoutError,
    ServiceUnavailableError,
)
from services.removebg import RemoveBgClient
from services.removebg.answers import checked_record, status_error
from services.removebg.retry import RetryPolicy, parse_retry_after

BASE = "https://api.example.test"
TOKEN = "tok-0123456789-s3cr3t"
IMAGE = b"\xff\xd8\xff input jpeg bytes"
FILES = {
    f"{BASE}/out/cutout.png": b"\x89PNG cut-out",
    f"{BASE}/out/mask.jpg": b"\xff\xd8 mask",
    f"{BASE}/out/white.jpg": b"\xff\xd8 white",
}
CONTRACT_SAMPLE = Path(__file__).with_name("data") / "contract_sample.json"

Outcome = httpx.Response | httpx.RequestError
Build = Callable[..., RemoveBgClient]
Files = dict[str, bytes | httpx.Response]


def answer(**record: Any) -> dict[str, Any]:
    """The contract's answer with one record, whose fields `record` overrides (None drops)."""
    fields: dict[str, Any] = {
        "_status": {"code": 200, "text": "OK", "request_id": "rec-1"},
        "_id": "id-1",
        "_width": 640,
        "_height": 480,
        "_output_url": f"{BASE}/out/cutout.png",
        "_output_url_mask": f"{BASE}/out/mask.jpg",
        "_output_url_whitebg": f"{BASE}/out/white.jpg",
    }
    fields.update(record)
    return {
        "records": [{k: v for k, v in fields.items() if v is not None}],
        "status": {"code": 200, "text": "OK", "request_id": "req-1"},
        "statistics": {"processing time": 0.25},
    }


def ok(body: dict[str, Any] | None = None) -> httpx.Response:
    return httpx.Response(200, json=answer() if body is None else body)


class Service:
    """Answers the POSTs in the given order (the last one repeats) and serves `files`."""

    def __init__(
        self, *posts: Outcome, files: Mapping[str, bytes | httpx.Response] | None = None
    ) -> None:
        self.posts = list(posts) or [ok()]
        self.files: Files = dict(FILES if files is None else files)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.method == "POST":
            outcome = self.posts.pop(0) if len(self.posts) > 1 else self.posts[0]
            if isinstance(outcome, httpx.RequestError):
                raise outcome
            return outcome
        file = self.files.get(str(request.url), httpx.Response(404))
        return file if isinstance(file, httpx.Response) else httpx.Response(200, content=file)

    @property
    def posted(self) -> list[httpx.Request]:
        return [request for request in self.requests if request.method == "POST"]


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client_for(sleeps: list[float]) -> Build:
    """Build a client on a Service; its sleeps are recorded, not waited."""

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    def build(service: Service, **options: Any) -> RemoveBgClient:
        transport = httpx.MockTransport(service)
        return RemoveBgClient(BASE, TOKEN, transport=transport, sleep=sleep, **options)

    return build


async def remove(client: RemoveBgClient, options: OutputOptions | None = None) -> RemoveBgResult:
    async with client:
        return await client.remove(IMAGE, model="fast", options=options)


def contract_sample() -> dict[str, Any]:
    """The contract's published sample answer (docs/contract.md), kept as test data."""
    sample: dict[str, Any] = json.loads(CONTRACT_SAMPLE.read_text())
    return sample


def test_contract_sample_parses() -> None:
    parsed = RemoveBgAnswer.model_validate(contract_sample())
    record = parsed.records[0]
    assert parsed.status.ok
    assert parsed.processing_time == pytest.approx(1.4223403930664062)
    assert (record.width, record.height) == (1380, 868)
    assert record.status is not None
    assert record.status.request_id == "62e777b4-d7ad-458c-8de7-08fb173cfa2e"
    assert record.output_url is not None
    assert record.output_url.endswith(".png")


async def test_contract_sample_downloads_from_s3_without_token(client_for: Build) -> None:
    sample = contract_sample()
    urls = [v for k, v in sample["records"][0].items() if k.startswith("_output_url")]
    service = Service(ok(sample), files={url: url.encode() for url in urls})
    options = OutputOptions(binary_mask=True, white_background=True)
    result = await remove(client_for(service), options)
    assert (result.image, result.mask, result.white) == tuple(url.encode() for url in urls)
    assert (result.width, result.height, result.image_format) == (1380, 868, "png")
    assert result.request_id == sample["status"]["request_id"]
    assert result.processing_time == pytest.approx(1.4223403930664062)
    downloads = [request for request in service.requests if request.method == "GET"]
    assert len(downloads) == 3
    assert all("Authorization" not in request.headers for request in downloads)


@pytest.mark.parametrize(
    ("options", "top_level"),
    [
        (None, {"binary_mask": False, "white_background": False, "image_quality": 85}),
        (
            OutputOptions(binary_mask=True, image_format="webp", image_quality=70),
            {
                "binary_mask": True,
                "white_background": False,
                "image_format": "webp",
                "image_quality": 70,
            },
        ),
    ],
)
async def test_request_shape(
    client_for: Build, options: OutputOptions | None, top_level: dict[str, Any]
) -> None:
    service = Service()
    result = await remove(client_for(service), options)
    (request,) = service.posted
    body = json.loads(request.content)
    (record,) = body.pop("records")
    assert str(request.url) == f"{BASE}/removebg/fast/removebg"
    assert request.headers["Authorization"] == f"Token {TOKEN}"
    assert request.headers["Content-Type"] == "application/json"
    assert body == top_level
    assert base64.b64decode(record.pop("_base64"), validate=True) == IMAGE
    assert record == {k: top_level[k] for k in ("binary_mask", "white_background")}
    assert result.image_format == (options.image_format if options else "png")


async def test_a_large_body_is_declared_then_sent_in_parts(sleeps: list[float]) -> None:
    """Sent whole, a large body's upload could stall after an early 429 and lose it."""
    parts: list[int] = []

    class Recording(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if request.method == "POST":
                assert isinstance(request.stream, httpx.AsyncByteStream)
                parts.extend([len(part) async for part in request.stream])
                assert int(request.headers["Content-Length"]) == sum(parts)
                return httpx.Response(429, headers={"Retry-After": "7"}, json={})
            return httpx.Response(404)

    image = bytes(3 << 20)
    async with RemoveBgClient(BASE, TOKEN, retries=0, transport=Recording()) as client:
        with pytest.raises(RateLimitedError):
            await client.remove(image, model="fast")
    assert len(parts) == 5  # 4 MiB of base64 and some JSON, a MiB at a time
    assert max(parts) == 1 << 20


async def test_result_carries_answer_figures(client_for: Build) -> None:
    options = OutputOptions(white_background=True)
    result = await remove(client_for(Service()), options)
    assert result == RemoveBgResult(
        image=FILES[f"{BASE}/out/cutout.png"],
        image_format="png",
        width=640,
        height=480,
        model="fast",
        mask=None,
        white=FILES[f"{BASE}/out/white.jpg"],
        processing_time=0.25,
        request_id="req-1",
    )


@pytest.mark.parametrize(
    ("url", "sends_token"),
    [
        (f"{BASE}/out/cutout.png", True),
        ("https://API.example.test:443/out/cutout.png", True),
        ("/out/cutout.png", True),
        ("https://s3.example.test/out/cutout.png", False),
        ("http://api.example.test/out/cutout.png", False),
        ("https://api.example.test:8443/out/cutout.png", False),
    ],
)
async def test_token_goes_only_to_the_same_origin(
    client_for: Build, url: str, sends_token: bool
) -> None:
    service = Service(ok(answer(_output_url=url)), files={str(httpx.URL(BASE).join(url)): b"x"})
    await remove(client_for(service))
    download = service.requests[-1]
    assert download.method == "GET"
    assert ("Authorization" in download.headers) is sends_token


async def test_token_dropped_on_redirect_to_another_host() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.method == "POST":
            return ok(answer(_output_url=f"{BASE}/out/cutout.png"))
        if request.url.host == "api.example.test":
            return httpx.Response(302, headers={"Location": "https://cdn.example.test/c.png"})
        return httpx.Response(200, content=b"cut-out")

    seen: list[httpx.Request] = []
    client = RemoveBgClient(BASE, TOKEN, transport=httpx.MockTransport(handler))
    assert (await remove(client)).image == b"cut-out"
    assert [r.url.host for r in seen] == ["api.example.test"] * 2 + ["cdn.example.test"]
    assert "Authorization" not in seen[-1].headers


@pytest.mark.parametrize("status", [401, 403])
async def test_refused_token_is_auth_error(client_for: Build, status: int) -> None:
    service = Service(httpx.Response(status, json={"detail": "Invalid token."}))
    with pytest.raises(AuthError) as caught:
        await remove(client_for(service))
    assert caught.value.status_code == status
    assert len(service.posted) == 1


async def test_429_waits_retry_after_then_succeeds(client_for: Build, sleeps: list[float]) -> None:
    busy = httpx.Response(429, headers={"Retry-After": "2"})
    service = Service(busy, busy, ok())
    result = await remove(client_for(service))
    assert result.image == FILES[f"{BASE}/out/cutout.png"]
    assert sleeps == [2.0, 2.0]
    assert len(service.posted) == 3


async def test_429_beyond_max_retry_after_fails_at_once(
    client_for: Build, sleeps: list[float]
) -> None:
    service = Service(httpx.Response(429, headers={"Retry-After": "3600"}), ok())
    with pytest.raises(RateLimitedError) as caught:
        await remove(client_for(service, max_retry_after=30))
    assert caught.value.retry_after == 3600
    assert "Try again in 3600 seconds." in str(caught.value)
    assert sleeps == []
    assert len(service.posted) == 1


async def test_429_exhausting_retries_keeps_retry_after(
    client_for: Build, sleeps: list[float]
) -> None:
    service = Service(httpx.Response(429, headers={"Retry-After": "1"}))
    with pytest.raises(RateLimitedError) as caught:
        await remove(client_for(service, retries=2))
    assert caught.value.retry_after == 1
    assert sleeps == [1.0, 1.0]


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_gateway_errors_retried_then_unavailable(
    client_for: Build, sleeps: list[float], status: int
) -> None:
    service = Service(httpx.Response(status, text="<html>Bad gateway</html>"))
    with pytest.raises(ServiceUnavailableError) as caught:
        await remove(client_for(service, retries=3, backoff=0.5, max_backoff=1.0))
    assert caught.value.status_code == status
    assert len(service.posted) == 4
    assert len(sleeps) == 3
    assert all(0 <= wait <= limit for wait, limit in zip(sleeps, [0.5, 1.0, 1.0], strict=True))


async def test_503_with_retry_after_waits_that_long(
    client_for: Build, sleeps: list[float]
) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    service = Service(httpx.Response(503, headers={"Retry-After": when}), ok())
    await remove(client_for(service))
    assert len(sleeps) == 1
    assert 15 < sleeps[0] <= 20


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (400, {"status": {"code": 400, "text": "Bad", "error_description": "No records."}}, ""),
        (400, {"detail": "nope"}, "refused the call (HTTP 400)"),
        (404, None, "no such endpoint"),
        (413, None, "too large"),
        (422, "not json", "refused the call (HTTP 422)"),
    ],
)
async def test_other_4xx_rejected_without_retry(
    client_for: Build, sleeps: list[float], status: int, body: Any, message: str
) -> None:
    content = json.dumps(body).encode() if isinstance(body, dict) else (body or "").encode()
    service = Service(httpx.Response(status, content=content))
    with pytest.raises(RequestRejectedError) as caught:
        await remove(client_for(service))
    assert not isinstance(caught.value, ImageRejectedError)
    assert caught.value.status_code == status
    assert message in str(caught.value)
    if isinstance(body, dict) and "status" in body:
        assert caught.value.description == "No records."
    assert (len(service.posted), sleeps) == (1, [])


async def test_500_is_not_retried(client_for: Build, sleeps: list[float]) -> None:
    service = Service(httpx.Response(500), ok())
    with pytest.raises(ServiceUnavailableError) as caught:
        await remove(client_for(service))
    assert caught.value.status_code == 500
    assert (len(service.posted), sleeps) == (1, [])


@pytest.mark.parametrize(
    ("error", "raised"),
    [
        (httpx.ConnectError("refused"), ServiceUnavailableError),
        (httpx.ConnectTimeout("slow"), ServiceTimeoutError),
    ],
)
async def test_connect_failures_retried_then_unavailable(
    client_for: Build, sleeps: list[float], error: httpx.RequestError, raised: type[Exception]
) -> None:
    service = Service(error)
    with pytest.raises(raised) as caught:
        await remove(client_for(service, retries=2))
    assert caught.value.__cause__ is error
    assert (len(service.posted), len(sleeps)) == (3, 2)


async def test_connect_failure_then_success(client_for: Build, sleeps: list[float]) -> None:
    service = Service(httpx.ConnectError("refused"), ok())
    assert (await remove(client_for(service))).width == 640
    assert len(sleeps) == 1


@pytest.mark.parametrize(
    "error", [httpx.ReadTimeout("slow"), httpx.WriteTimeout("slow"), httpx.PoolTimeout("busy")]
)
async def test_timeout_is_service_timeout_without_retry(
    client_for: Build, sleeps: list[float], error: httpx.RequestError
) -> None:
    service = Service(error, ok())
    with pytest.raises(ServiceTimeoutError):
        await remove(client_for(service))
    assert (len(service.posted), sleeps) == (1, [])


@pytest.mark.parametrize(
    "error",
    [httpx.RemoteProtocolError("peer closed"), httpx.ReadError("reset"), httpx.WriteError("pipe")],
)
async def test_a_dropped_connection_is_tried_again(
    client_for: Build, sleeps: list[float], error: httpx.RequestError
) -> None:
    """A replica killed mid-call behind a balancer: another one gets the call."""
    service = Service(error, ok())
    assert (await remove(client_for(service))).width == 640
    assert (len(service.posted), len(sleeps)) == (2, 1)


async def test_a_connection_that_keeps_dropping_is_unavailable(client_for: Build) -> None:
    service = Service(httpx.RemoteProtocolError("peer closed"))
    with pytest.raises(ServiceUnavailableError) as caught:
        await remove(client_for(service, retries=2))
    assert type(caught.value) is ServiceUnavailableError
    assert len(service.posted) == 3


@pytest.mark.parametrize(
    ("response", "detail"),
    [
        (httpx.Response(200, text="<html>proxy login</html>"), "Invalid JSON"),
        (httpx.Response(200, json={"records": []}), "status"),
        (ok({"records": [], "status": {"code": 200, "text": "OK"}}), "no record"),
        (ok(answer(_output_url=None)), "no _output_url"),
        (ok(answer(_width=None)), "no _width"),
        (ok(answer(_output_url="file:///etc/passwd")), "not http(s)"),
    ],
)
async def test_malformed_answer(client_for: Build, response: httpx.Response, detail: str) -> None:
    with pytest.raises(MalformedAnswerError, match=re.escape(detail)):
        await remove(client_for(Service(response)))


async def test_missing_asked_mask_is_malformed(client_for: Build) -> None:
    service = Service(ok(answer(_output_url_mask=None)))
    with pytest.raises(MalformedAnswerError, match="_output_url_mask"):
        await remove(client_for(service), OutputOptions(binary_mask=True))


async def test_record_4xx_is_image_rejected(client_for: Build) -> None:
    status = {"code": 400, "text": "Bad Request", "error_description": "Image is corrupted."}
    service = Service(ok(answer(_status=status, _output_url=None)))
    with pytest.raises(ImageRejectedError) as caught:
        await remove(client_for(service))
    assert caught.value.description == str(caught.value) == "Image is corrupted."
    assert caught.value.status_code == 400


async def test_failed_call_without_records_is_rejected(client_for: Build) -> None:
    body = {"records": [], "status": {"code": 400, "text": "Bad", "error_description": "No!"}}
    with pytest.raises(RequestRejectedError, match="No!") as caught:
        await remove(client_for(Service(ok(body))))
    assert type(caught.value) is RequestRejectedError


async def test_record_5xx_is_unavailable(client_for: Build) -> None:
    service = Service(ok(answer(_status={"code": 500, "text": "Model crashed"})))
    with pytest.raises(ServiceUnavailableError, match="Model crashed") as caught:
        await remove(client_for(service))
    assert caught.value.status_code == 500


@pytest.mark.parametrize("status", [404, 410])
async def test_expired_output_is_unavailable(client_for: Build, status: int) -> None:
    service = Service(files={f"{BASE}/out/cutout.png": httpx.Response(status)})
    with pytest.raises(ServiceUnavailableError, match="expired") as caught:
        await remove(client_for(service))
    assert caught.value.status_code == status


async def test_failed_download_cancels_the_others(client_for: Build) -> None:
    files: Files = {**FILES, f"{BASE}/out/mask.jpg": httpx.Response(500)}
    with pytest.raises(ServiceUnavailableError, match=r"HTTP 500") as caught:
        await remove(client_for(Service(files=files)), OutputOptions(binary_mask=True))
    assert type(caught.value) is ServiceUnavailableError


async def test_download_over_the_cap_is_refused(client_for: Build) -> None:
    service = Service(files={url: b"x" * 2048 for url in FILES})
    with pytest.raises(ServiceUnavailableError, match="larger than 1024 bytes"):
        await remove(client_for(service, max_download_bytes=1024))


async def test_remove_needs_initialize() -> None:
    client = RemoveBgClient(BASE, TOKEN, transport=httpx.MockTransport(Service()))
    with pytest.raises(RuntimeError, match="initialize"):
        await client.remove(IMAGE, model="fast")


@pytest.mark.parametrize(
    ("base_url", "message"),
    [
        ("ftp://files.example.test", "http"),
        ("api.example.test", "http"),
        (f"https://user:{TOKEN}@api.example.test", "credentials"),
    ],
)
def test_base_url_must_be_plain_http(base_url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        RemoveBgClient(base_url, TOKEN)
    assert TOKEN not in str(caught.value)


@pytest.mark.parametrize("token", [TOKEN, SecretStr(TOKEN)])
def test_repr_shows_base_url_only(token: str | SecretStr) -> None:
    client = RemoveBgClient(BASE + "/", token)
    assert repr(client) == f"RemoveBgClient(base_url='{BASE}')"
    assert TOKEN not in str(vars(client))


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(401, text=f"Bad token {TOKEN}"),
        httpx.Response(
            400, json={"status": {"code": 400, "text": "x", "error_description": TOKEN}}
        ),
        ok(answer(_status={"code": 500, "text": TOKEN})),
        httpx.Response(503, headers={"Retry-After": "1"}, text=TOKEN),
        ok(answer(_status={"code": 400, "text": "Bad", "error_description": f"echo {TOKEN}"})),
        httpx.ConnectError(f"failed with header Token {TOKEN}"),
    ],
)
async def test_token_kept_out_of_errors_and_logs(
    client_for: Build, caplog: pytest.LogCaptureFixture, response: Outcome
) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(RemoveBgError) as caught:
        await remove(client_for(Service(response), retries=1))
    assert TOKEN not in str(caught.value)
    assert TOKEN not in repr(caught.value)
    assert all(TOKEN not in record.getMessage() for record in caplog.records)


async def test_retries_are_logged_at_info(
    client_for: Build, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="services.removebg")
    service = Service(httpx.Response(503), ok())
    await remove(client_for(service))
    (line,) = [r for r in caplog.records if r.name == "services.removebg.client"]
    assert line.levelno == logging.INFO
    assert "/removebg/fast/removebg" in line.getMessage()
    assert "HTTP 503" in line.getMessage()
    assert BASE not in line.getMessage()


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx.Response(302, headers={"Location": "/v2"}), "it redirected (302)"),
        (httpx.Response(400, json=[{"status": "x"}]), "refused the call (HTTP 400)"),
        (httpx.Response(400, json={"status": {"error_description": 7}}), "(HTTP 400)"),
    ],
)
def test_status_error_for_redirects_and_odd_bodies(response: httpx.Response, message: str) -> None:
    error = status_error(response, lambda text: text)
    assert isinstance(error, ServiceUnavailableError | RequestRejectedError)
    assert error.status_code == response.status_code
    assert message in str(error)


@pytest.mark.parametrize(
    ("body", "raised", "message"),
    [
        ({"status": {"code": 503}}, ServiceUnavailableError, "it failed on the image (code 503)"),
        (answer(_status={"code": 422}), ImageRejectedError, "code 422"),
    ],
)
def test_failed_status_without_text_names_its_code(
    body: dict[str, Any], raised: type[RemoveBgError], message: str
) -> None:
    with pytest.raises(raised, match=re.escape(message)):
        checked_record(RemoveBgAnswer.model_validate(body), lambda text: text)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("120", 120.0), ("0", 0.0), ("1.5", 1.5), ("-3", None), ("soon", None), (None, None)],
)
def test_parse_retry_after_seconds(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value) == seconds


def test_parse_retry_after_http_date() -> None:
    now = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("Wed, 01 Jan 2025 12:01:30 GMT", now=now) == 90.0
    assert parse_retry_after("Wed, 01 Jan 2025 11:00:00 GMT", now=now) == 0.0


def test_backoff_is_capped_full_jitter() -> None:
    policy = RetryPolicy(retries=10, backoff=0.5, max_backoff=4.0)
    for attempt in range(10):
        waits = [policy.delay(attempt) for _ in range(50)]
        assert all(w is not None and 0 <= w <= min(4.0, 0.5 * 2**attempt) for w in waits)
    assert policy.delay(10) is None
    assert policy.delay(0, retry_after=31) is None
    assert policy.delay(0, retry_after=12) == 12
