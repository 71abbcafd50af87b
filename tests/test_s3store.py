"""Outputs in a bucket: against moto's S3 server, a real S3-protocol server on loopback."""

from __future__ import annotations

import base64
import http.client
import http.server
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer
from pydantic import ValidationError

from services.config import Settings
from services.server.s3store import RETRIES, S3OutputStore, open_s3
from services.server.store import StoreUnavailableError
from tests.images import disc, encode, opened
from tests.servers import TOKEN, running, server_settings

AUTH = {"Authorization": f"Token {TOKEN}"}
GOOD = {"_base64": base64.b64encode(encode(disc(), "JPEG")).decode()}
KEYS = {"aws_access_key_id": "test-key", "aws_secret_access_key": "test-secret"}


class Moto:
    """moto's standalone S3 server in a thread, with a fresh bucket for each test."""

    def __init__(self) -> None:
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        self.s3: Any = boto3.client(
            "s3", endpoint_url=self.endpoint, region_name="us-east-1", **KEYS
        )

    def bucket(self) -> str:
        name = f"outputs-{uuid.uuid4().hex[:12]}"
        self.s3.create_bucket(Bucket=name)
        return name

    def keys(self, bucket: str) -> list[str]:
        listing = self.s3.list_objects_v2(Bucket=bucket)
        return sorted(item["Key"] for item in listing.get("Contents", []))


@pytest.fixture
def moto() -> Iterator[Moto]:
    server = Moto()
    yield server
    server.server.stop()


def bucket_store(
    endpoint: str, bucket: str, clock: Callable[[], float] = time.time
) -> S3OutputStore:
    """The store on its own, for the bucket's prefix `cutouts`, with a TTL of 60 s."""
    return open_s3(
        f"s3://{bucket}/cutouts",
        ttl=60,
        endpoint=endpoint,
        region="us-east-1",
        access_key_id=KEYS["aws_access_key_id"],
        secret_access_key=KEYS["aws_secret_access_key"],
        clock=clock,
    )


def s3_settings(tmp: Path, models_dir: Path, moto: Moto, bucket: str, **extra: Any) -> Settings:
    return server_settings(
        tmp,
        models_dir,
        output_store=f"s3://{bucket}/cutouts",
        s3_endpoint_url=moto.endpoint,
        **KEYS,
        **extra,
    )


def call(http: httpx.Client, url: str) -> dict[str, Any]:
    body = {"records": [GOOD], "binary_mask": True}
    answer: dict[str, Any] = http.post(
        f"{url}/removebg/fast/removebg", json=body, headers=AUTH
    ).json()
    return answer


def test_outputs_are_served_by_the_bucket_when_no_server_is_left(
    tmp_path: Path, models_dir: Path, moto: Moto
) -> None:
    bucket = moto.bucket()
    with httpx.Client(timeout=60) as http:
        with running(s3_settings(tmp_path, models_dir, moto, bucket)) as url:
            record = call(http, url)["records"][0]
            assert http.get(f"{url}/health/ready").status_code == 200
        assert record["_status"]["code"] == 200
        cutout = http.get(record["_output_url"])  # the server is gone
        mask = http.get(record["_output_url_mask"])
    assert cutout.status_code == 200
    assert cutout.headers["content-type"] == "image/png"
    assert opened(cutout.content).size == (160, 120)
    assert opened(mask.content).mode == "L"
    assert all(key.startswith("cutouts/") for key in moto.keys(bucket))
    assert len(moto.keys(bucket)) == 2


def test_two_replicas_share_one_bucket(tmp_path: Path, models_dir: Path, moto: Moto) -> None:
    bucket = moto.bucket()
    first = s3_settings(tmp_path / "a", models_dir, moto, bucket)
    second = s3_settings(tmp_path / "b", models_dir, moto, bucket, sweep_interval_seconds=1)
    with httpx.Client(timeout=60) as http, running(first) as a, running(second) as b:
        urls = [call(http, replica)["records"][0]["_output_url"] for replica in (a, b)]
        assert [http.get(url).status_code for url in urls] == [200, 200]
    assert len(moto.keys(bucket)) == 4  # b's sweeper left everyone's fresh outputs alone


def test_with_a_public_base_the_urls_are_the_buckets_own_unsigned(
    tmp_path: Path, models_dir: Path, moto: Moto
) -> None:
    bucket = moto.bucket()
    readable = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/cutouts/*",
            }
        ],
    }
    moto.s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(readable))
    public = f"{moto.endpoint}/{bucket}"  # a public bucket, or a CDN in front of it
    settings = s3_settings(tmp_path, models_dir, moto, bucket, public_base_url=public)
    with httpx.Client(timeout=60) as http, running(settings) as url:
        record = call(http, url)["records"][0]
        output = http.get(record["_output_url"])
    assert record["_output_url"].startswith(f"{public}/cutouts/")
    assert "X-Amz-Signature" not in record["_output_url"]
    assert output.status_code == 200
    assert opened(output.content).size == (160, 120)


async def test_handed_out_urls_are_signed_for_the_outputs_lifetime(moto: Moto) -> None:
    store = bucket_store(moto.endpoint, moto.bucket())
    key = await store.put(b"png", suffix="png")
    url = httpx.URL(await store.url(key, "http://replica.invalid"))
    assert url.host == "127.0.0.1"  # the bucket's, not the replica's
    assert url.params["X-Amz-Expires"] == "60"  # the TTL: the bucket refuses it after that
    assert url.params["X-Amz-SignedHeaders"] == "host"
    # moto does not refuse late signatures, so the refusal itself is S3's to test, not ours
    async with httpx.AsyncClient() as http:
        assert (await http.get(url)).content == b"png"


async def test_the_sweeper_deletes_only_its_own_expired_outputs(moto: Moto) -> None:
    bucket = moto.bucket()
    now = [time.time()]
    store = bucket_store(moto.endpoint, bucket, clock=lambda: now[0])
    keys = [await store.put(b"png", suffix="png") for _ in range(3)]
    moto.s3.put_object(Bucket=bucket, Key="cutouts/notes.txt", Body=b"an operator's")
    moto.s3.put_object(Bucket=bucket, Key="elsewhere/" + keys[0], Body=b"another prefix")
    now[0] += 30
    assert await store.sweep() == 0  # not old enough yet
    now[0] += 60
    assert await store.sweep() == 3
    assert moto.keys(bucket) == ["cutouts/notes.txt", f"elsewhere/{keys[0]}"]


def test_a_store_that_goes_down_fails_records_with_503_not_500(
    tmp_path: Path, models_dir: Path, moto: Moto
) -> None:
    bucket = moto.bucket()
    with (
        httpx.Client(timeout=60) as http,
        running(s3_settings(tmp_path, models_dir, moto, bucket)) as url,
    ):
        moto.server.stop()
        response = http.post(
            f"{url}/removebg/fast/removebg", json={"records": [GOOD]}, headers=AUTH
        )
        ready = http.get(f"{url}/health/ready")
        live = http.get(f"{url}/health/live")
    assert response.status_code == 200
    status = response.json()["records"][0]["_status"]
    assert status["code"] == 503
    assert "output store" in status["error_description"]
    assert ready.status_code == 503
    assert ready.json()["status"]["code"] == 503
    assert live.status_code == 200


@pytest.mark.parametrize("store", ["s3:/bucket", "ftp://bucket", "s3://", "S3://bucket"])
def test_an_output_store_that_is_neither_local_nor_s3_is_refused(store: str) -> None:
    with pytest.raises(ValidationError, match="output_store"):
        Settings(_env_file=None, output_store=store)


SLOW_DOWN = b"<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>"


class Throttle:
    """An S3 front on loopback that answers SlowDown (503) to the first `refusals` PUTs and
    passes everything else to moto, as a throttled bucket would."""

    def __init__(self, moto: Moto, refusals: int) -> None:
        self.refusals = refusals
        self.puts = 0
        self.target = moto.endpoint.removeprefix("http://")
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.endpoint = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        throttle = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                throttle.puts += 1
                if throttle.refusals > 0:
                    throttle.refusals -= 1
                    self.rfile.read(int(self.headers.get("Content-Length") or 0))
                    self.answer(503, SLOW_DOWN, {"Content-Type": "application/xml"})
                    return
                self.forward()

            def do_GET(self) -> None:
                self.forward()

            def do_POST(self) -> None:
                self.forward()

            def do_DELETE(self) -> None:
                self.forward()

            def forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                upstream = http.client.HTTPConnection(throttle.target, timeout=10)
                upstream.request(self.command, self.path, body, dict(self.headers))
                answer = upstream.getresponse()
                hop = {"content-length", "transfer-encoding", "connection"}
                kept = {k: v for k, v in answer.getheaders() if k.lower() not in hop}
                self.answer(answer.status, answer.read(), kept)

            def answer(self, code: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(code)
                for name, value in {**headers, "Content-Length": str(len(body))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler


def throttled_store(moto: Moto, bucket: str, refusals: int) -> tuple[Throttle, S3OutputStore]:
    throttle = Throttle(moto, refusals)
    return throttle, bucket_store(throttle.endpoint, bucket)


async def test_throttling_is_retried_with_backoff(moto: Moto) -> None:
    bucket = moto.bucket()
    throttle, store = throttled_store(moto, bucket, refusals=2)
    key = await store.put(b"png", suffix="png")
    assert throttle.puts == 3
    assert moto.keys(bucket) == [f"cutouts/{key}"]
    throttle.httpd.shutdown()


async def test_throttling_that_persists_is_a_clear_store_error(moto: Moto) -> None:
    bucket = moto.bucket()
    throttle, store = throttled_store(moto, bucket, refusals=1000)
    with pytest.raises(StoreUnavailableError, match="output store"):
        await store.put(b"png", suffix="png")
    assert throttle.puts == 1 + RETRIES
    assert moto.keys(bucket) == []  # nothing half-written
    throttle.httpd.shutdown()
