"""Property: whatever a client sends, the server answers in the contract's JSON, never a 500."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.servers import TOKEN

KEYS = [
    "_url", "_base64", "_id", "_file", "binary_mask", "white_background", "status", "_status",
    "_width", "width", "output_url", "_output_url", "url", "base64", "id", "records",
]  # fmt: skip
URLS = [
    "http://[::1", "http://a:80:80/", "http://0177.0.0.1/", "http://xn--a.com/",
    "http://" + "a" * 64 + ".com/", "http://127.0.0.1:9/a.jpg", "ftp://x/", "", "http://",
    "http://[::7f00:1]/", "http://[64:ff9b::a00:1]/", "data:,x", "http://\u0080.com/",
]  # fmt: skip
FORMATS = ["png", "PNG", "jpeg", "JPG", "webp", "gif", "", "p n g"]

leaf = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
value = st.recursive(
    leaf,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
)
record = st.dictionaries(
    st.sampled_from(KEYS) | st.text(max_size=6),
    value | st.sampled_from(URLS) | st.sampled_from(["AA==", "data:image/png;base64,AA", "%"]),
    max_size=5,
)
call = st.fixed_dictionaries(
    {"records": st.lists(record, max_size=4) | value},
    optional={
        "binary_mask": value,
        "white_background": value,
        "image_format": st.sampled_from(FORMATS) | value,
        "image_quality": value | st.integers(-5, 105),
    },
)


@pytest.fixture(scope="module")
def http(api_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api_url, timeout=30) as client:
        yield client


def check(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text
    assert "Traceback" not in response.text
    answer: dict[str, Any] = response.json()
    status = answer["status"]
    assert status["code"] == response.status_code
    for record in answer.get("records", []):
        assert record["_status"]["code"] < 500 or record["_status"]["code"] == 503


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=call, model=st.sampled_from(["fast", "precise"]))
def test_no_call_body_gets_a_500(http: httpx.Client, body: dict[str, Any], model: str) -> None:
    response = http.post(
        f"/removebg/{model}/removebg",
        content=json.dumps(body),
        headers={"Authorization": f"Token {TOKEN}", "Content-Type": "application/json"},
    )
    check(response)


@settings(max_examples=60, deadline=None)
@given(body=st.binary(max_size=64) | st.text(max_size=64).map(str.encode))
def test_no_stream_of_bytes_gets_a_500(http: httpx.Client, body: bytes) -> None:
    response = http.post(
        "/removebg/fast/removebg", content=body, headers={"Authorization": f"Token {TOKEN}"}
    )
    check(response)
