"""Ximilar's own Python client (`ximilar-client`, RemoveBGClient) against our server on loopback.

The client is synchronous (`requests`), so these are plain sync tests. Its endpoint must name
`localhost`, or it first asks api.ximilar.com whether the token may use the service.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import requests
from PIL import Image
from ximilar.client import RemoveBGClient, XimilarClientException

from tests.images import disc, encode, opened
from tests.servers import TOKEN, image_host, running, server_settings

LONG_TOKEN = "j" * 40 + "-" + "w" * 39  # 80 characters: the client sends it as `JWT <token>`
DISC = encode(disc(), "JPEG")
METHODS = [
    pytest.param("removebg_precise", marks=pytest.mark.precise, id="precise"),
    pytest.param("removebg_fast", id="fast"),
]


def endpoint(api_url: str) -> str:
    """The client's `endpoint` for a server at http://127.0.0.1:<port>."""
    return f"http://localhost:{api_url.rsplit(':', 1)[1]}/"


@pytest.fixture
def client(api_url: str) -> RemoveBGClient:
    return RemoveBGClient(TOKEN, endpoint=endpoint(api_url))


@pytest.fixture
def long_token_url(tmp_path: Path, models_dir: Path) -> Iterator[str]:
    with running(server_settings(tmp_path, models_dir, server_tokens=LONG_TOKEN)) as url:
        yield url


def cutout_of(answer: dict[str, Any], size: tuple[int, int], suffix: str = "png") -> Image.Image:
    """The one record's output, downloaded, after checking the answer around it."""
    assert answer["status"]["code"] == 200
    assert answer["statistics"]["processing time"] > 0
    (record,) = answer["records"]
    assert record["_status"]["code"] == 200
    assert (record["_width"], record["_height"]) == size
    assert record["_output_url"].endswith(f".{suffix}")
    download = requests.get(record["_output_url"], timeout=30)
    assert download.status_code == 200
    image = opened(download.content)
    assert image.size == size
    return image


def noisy_png(size: tuple[int, int]) -> bytes:
    """A disc with noise, so the PNG is over the 0.1 MB at which the client resizes files."""
    pixels = np.asarray(disc(size)).astype(np.int16)
    noise = np.random.default_rng(7).integers(-12, 12, pixels.shape)
    return encode(Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8)), "PNG")


@pytest.mark.parametrize("method", METHODS)
def test_each_model_cuts_out_a_file_record(
    client: RemoveBGClient, tmp_path: Path, method: str
) -> None:
    path = tmp_path / "disc.jpg"
    path.write_bytes(DISC)
    answer = getattr(client, method)([{"_file": str(path)}])
    assert cutout_of(answer, (160, 120)).mode == "RGBA"


@pytest.mark.parametrize("method", METHODS)
def test_each_model_cuts_out_a_base64_record(client: RemoveBGClient, method: str) -> None:
    # The client decodes the image and sends it again as a `data:image/jpeg;base64,` URI.
    answer = getattr(client, method)([{"_base64": base64.b64encode(DISC).decode()}])
    cutout_of(answer, (160, 120))


@pytest.mark.parametrize("method", METHODS)
def test_each_model_cuts_out_a_url_record(client: RemoveBGClient, method: str) -> None:
    routes = {"/disc.jpg": (200, {"Content-Type": "image/jpeg"}, DISC)}
    with image_host(routes) as host:
        answer = getattr(client, method)([{"_url": f"{host}/disc.jpg", "_id": "mine"}])
    cutout_of(answer, (160, 120))
    assert answer["records"][0]["_id"] == "mine"
    assert answer["records"][0]["_url"] == f"{host}/disc.jpg"


def test_a_large_file_record_is_resized_by_the_client_and_cut_out(
    client: RemoveBGClient, tmp_path: Path
) -> None:
    path = tmp_path / "big.png"
    path.write_bytes(noisy_png((1600, 1200)))
    assert path.stat().st_size > 0.1 * 1024 * 1024
    # Over 0.1 MB the client shrinks the short side to 600 px and sends a JPEG data URI.
    cutout_of(client.removebg_fast([{"_file": str(path)}]), (800, 600))


@pytest.mark.parametrize(
    ("image_format", "suffix", "pil_format"),
    [
        ("PNG", "png", "PNG"),
        ("JPEG", "jpg", "JPEG"),
        ("jpeg", "jpg", "JPEG"),
        ("Jpg", "jpg", "JPEG"),
        ("WebP", "webp", "WEBP"),
        ("webp", "webp", "WEBP"),
    ],
)
def test_image_format_is_read_in_any_case_and_jpeg_means_jpg(
    client: RemoveBGClient, image_format: str, suffix: str, pil_format: str
) -> None:
    answer = client.removebg_fast([{"_base64": base64.b64encode(DISC).decode()}], image_format)
    assert cutout_of(answer, (160, 120), suffix).format == pil_format


@pytest.mark.parametrize("image_format", ["gif", "jpe", "png8", ""])
def test_an_unknown_image_format_gets_a_clear_400(
    client: RemoveBGClient, image_format: str
) -> None:
    answer = client.removebg_fast([{"_base64": base64.b64encode(DISC).decode()}], image_format)
    assert answer["status"]["code"] == 400
    assert "image_format" in answer["status"]["error_description"]
    assert "'png', 'jpg' or 'webp'" in answer["status"]["error_description"]


def test_a_bad_token_answer_is_parsed_by_the_client(api_url: str) -> None:
    client = RemoveBGClient("not-the-token", endpoint=endpoint(api_url))
    answer = client.removebg_fast([{"_url": "http://127.0.0.1:9/a.jpg"}])
    assert answer["status"]["code"] == 401
    uuid.UUID(answer["status"]["request_id"])
    assert answer["statistics"]["processing time"] >= 0
    with pytest.raises(XimilarClientException) as raised:
        client.check_json_status(answer)
    assert raised.value.code == 401
    assert raised.value.msg == "Unauthorized"


def test_a_long_token_sent_as_jwt_is_accepted(long_token_url: str) -> None:
    client = RemoveBGClient(LONG_TOKEN, endpoint=endpoint(long_token_url))
    assert client.headers["Authorization"] == f"JWT {LONG_TOKEN}"
    answer = client.removebg_fast([{"_base64": base64.b64encode(DISC).decode()}])
    cutout_of(answer, (160, 120))


def test_a_wrong_long_token_sent_as_jwt_is_refused(long_token_url: str) -> None:
    wrong = LONG_TOKEN[:-1] + "x"
    client = RemoveBGClient(wrong, endpoint=endpoint(long_token_url))
    answer = client.removebg_fast([{"_base64": base64.b64encode(DISC).decode()}])
    assert answer["status"]["code"] == 401


def test_any_endpoint_works_with_the_ximilar_resource_check_off(api_url: str) -> None:
    # With resource_name="" the client does not send the token to api.ximilar.com first
    # (this machine has no internet, so it would fail here).
    client = RemoveBGClient(TOKEN, endpoint=f"{api_url}/", resource_name="")
    answer = client.removebg_fast([{"_base64": base64.b64encode(DISC).decode()}])
    cutout_of(answer, (160, 120))


def test_a_mistyped_record_field_fails_alone(client: RemoveBGClient) -> None:
    good = base64.b64encode(DISC).decode()
    records: list[dict[str, Any]] = [
        {"_base64": good},
        {"_base64": good, "binary_mask": "yes"},
        {"_base64": good, "_id": 123},
    ]
    answer = client.removebg_fast(records)
    assert answer["status"]["code"] == 200
    codes = [record["_status"]["code"] for record in answer["records"]]
    assert codes[0] == 200
    assert all(400 <= code < 500 for code in codes[1:])
