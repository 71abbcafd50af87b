from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.stickers import MAX_BYTES, SIDE, set_name, to_sticker
from tests.images import disc, encode


@pytest.mark.parametrize("size", [(160, 120), (120, 900), (3000, 2000)])
def test_a_sticker_is_a_transparent_webp_with_a_512_side(size: tuple[int, int]) -> None:
    cutout = disc(size).convert("RGBA")
    red = disc(size).getchannel("R").point(lambda v: 255 if v > 200 else 0)
    cutout.putalpha(red)  # the disc is the subject, the rest is transparent
    sticker = to_sticker(encode(cutout, "PNG"))
    image = Image.open(io.BytesIO(sticker))
    assert image.format == "WEBP"
    assert max(image.size) == SIDE
    assert min(image.size) <= SIDE
    assert image.mode == "RGBA"
    assert image.getchannel("A").getextrema()[0] == 0  # still transparent around the disc
    assert len(sticker) <= MAX_BYTES


def test_the_set_name_follows_telegram_rules() -> None:
    name = set_name(123456789, "cutout_test_bot")
    assert name == "cutouts_123456789_by_cutout_test_bot"
    assert len(name) <= 64
