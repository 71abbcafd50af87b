"""Outputs in a bucket: against moto's S3 server, a real S3-protocol server on loopback."""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer
from pydantic import ValidationError

from services.config import Settings
from services.server.s3store import open_s3
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


async def test_the_sweeper_deletes_only_its_own_expired_outputs(moto: Moto) -> None:
    bucket = moto.bucket()
    now = [time.time()]
    store = open_s3(
        f"s3://{bucket}/cutouts",
        ttl=60,
        endpoint=moto.endpoint,
        region="us-east-1",
        access_key_id=KEYS["aws_access_key_id"],
        secret_access_key=KEYS["aws_secret_access_key"],
        clock=lambda: now[0],
    )
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
