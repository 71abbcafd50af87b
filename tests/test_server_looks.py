"""Our extensions to the contract over real HTTP: background_color, background_blur, crop and
crop_margin, at the call's level and per record."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import httpx
import numpy as np
import pytest

from services.contract.wire import OutputOptions, Record, record_options
from tests.images import disc, encode, opened, sample
from tests.servers import TOKEN

AUTH = {"Authorization": f"Token {TOKEN}"}
PHOTO = base64.b64encode(sample("chelsea.jpg")).decode()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=60) as client:
        yield client


async def _call(http: httpx.AsyncClient, api_url: str, **fields: Any) -> dict[str, Any]:
    body = {"records": [{"_base64": PHOTO}], **fields}
    response = await http.post(f"{api_url}/removebg/fast/removebg", json=body, headers=AUTH)
    assert response.status_code == 200, response.text
    record: dict[str, Any] = response.json()["records"][0]
    assert record["_status"]["code"] == 200, record
    return record


async def test_a_red_background_is_red_where_the_cutout_is_clear_and_a_jpeg(
    http: httpx.AsyncClient, api_url: str
) -> None:
    plain = await _call(http, api_url)
    alpha = np.asarray(opened((await http.get(plain["_output_url"])).content))[..., 3]
    red = await _call(http, api_url, background_color="#FF0000", image_format="jpg")
    image = opened((await http.get(red["_output_url"])).content)
    assert image.format == "JPEG"
    pixels = np.asarray(image.convert("RGB")).astype(int)[alpha == 0]
    assert len(pixels) > 1000
    assert (pixels[:, 0] > 230).mean() > 0.98
    assert (pixels[:, 1:] < 25).mean() > 0.98


async def test_a_square_crop_is_square_and_holds_the_whole_subject(
    http: httpx.AsyncClient, api_url: str
) -> None:
    plain = await _call(http, api_url)
    visible = (
        np.asarray(opened((await http.get(plain["_output_url"])).content))[..., 3] >= 3
    ).sum()
    record = await _call(http, api_url, crop="square", crop_margin=5, binary_mask=True)
    assert record["_width"] == record["_height"]
    image = opened((await http.get(record["_output_url"])).content)
    assert image.size == (record["_width"], record["_height"])
    assert (np.asarray(image)[..., 3] >= 3).sum() == visible
    mask = opened((await http.get(record["_output_url_mask"])).content)
    assert mask.size == image.size


async def test_a_blurred_background_is_opaque_and_the_same_size(
    http: httpx.AsyncClient, api_url: str
) -> None:
    record = await _call(http, api_url, background_blur=True)
    image = opened((await http.get(record["_output_url"])).content)
    assert (image.format, image.mode, image.size) == ("PNG", "RGB", (451, 300))


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"background_color": "red"}, "#RRGGBB"),
        ({"background_color": "#FF00"}, "#RRGGBB"),
        ({"background_color": 255}, "background_color"),
        ({"background_blur": "yes"}, "background_blur"),
        ({"crop": "circle"}, "crop"),
        ({"crop": "square", "crop_margin": 150}, "crop_margin"),
        ({"crop": "square", "crop_margin": -1}, "crop_margin"),
        ({"background_color": "#FFFFFF", "background_blur": True}, "not both"),
    ],
)
async def test_unknown_values_get_a_clear_400(
    http: httpx.AsyncClient, api_url: str, fields: dict[str, Any], expected: str
) -> None:
    body = {"records": [{"_base64": PHOTO}], **fields}
    response = await http.post(f"{api_url}/removebg/fast/removebg", json=body, headers=AUTH)
    assert response.status_code == 400
    assert expected in response.json()["status"]["error_description"]


async def test_a_record_with_a_bad_value_fails_alone(
    http: httpx.AsyncClient, api_url: str
) -> None:
    small = base64.b64encode(encode(disc(), "PNG")).decode()
    body = {
        "records": [{"_base64": small, "crop": "circle"}, {"_base64": small, "crop": "square"}],
    }
    response = await http.post(f"{api_url}/removebg/fast/removebg", json=body, headers=AUTH)
    assert response.status_code == 200
    bad, good = response.json()["records"]
    assert bad["_status"]["code"] == 400
    assert "crop" in bad["_status"]["error_description"]
    assert good["_status"]["code"] == 200
    assert good["_width"] == good["_height"]


def test_a_records_own_background_and_crop_win_over_the_calls() -> None:
    call = OutputOptions(background_blur=True, crop="9:16", crop_margin=10)
    record = Record.model_validate(
        {"_url": "https://example.com/a.jpg", "background_color": "#000000"}
    )
    merged = record_options(call, record)
    assert (merged.background_color, merged.background_blur) == ("#000000", None)
    assert (merged.crop, merged.crop_margin) == ("9:16", 10)
    assert record_options(call, Record.model_validate({"crop": "square"})).crop == "square"


def test_without_the_extensions_a_call_is_the_contracts() -> None:
    assert OutputOptions().dump() == {
        "binary_mask": False,
        "white_background": False,
        "image_quality": 85,
    }
