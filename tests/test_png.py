from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from services.engine import png
from services.engine.workers import Workers


@pytest.mark.parametrize(
    ("shape", "mode"),
    [((37, 53), "L"), ((37, 53, 2), "LA"), ((37, 53, 3), "RGB"), ((1, 5, 4), "RGBA")],
)
def test_png_round_trips_through_pillow(shape: tuple[int, ...], mode: str) -> None:
    pixels = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    image = Image.open(io.BytesIO(png.encode(pixels)))
    image.load()
    assert (image.format, image.mode) == ("PNG", mode)
    assert np.array_equal(np.asarray(image), pixels)


def test_png_refuses_wide_samples() -> None:
    with pytest.raises(TypeError):
        png.encode(np.zeros((2, 2), np.uint16))


def test_png_deflated_in_parts_decodes_to_the_same_pixels() -> None:
    pixels = np.random.default_rng(1).integers(0, 256, (700, 800, 4), dtype=np.uint8)
    pixels[:300] = 7  # a run that compresses well next to noise that does not
    workers = Workers(3)
    try:
        parted = png.encode(pixels, workers=workers)
    finally:
        workers.close()
    image = Image.open(io.BytesIO(parted))
    image.load()
    assert np.array_equal(np.asarray(image), pixels)
    whole = png.encode(pixels)
    assert parted != whole  # it really was split
    assert len(parted) < len(whole) * 1.01


@pytest.mark.parametrize("sizes", [(0, 5), (5, 0), (1, 1), (70000, 3), (3, 200000)])
def test_adler32_of_parts_combines_to_the_whole(sizes: tuple[int, int]) -> None:
    rng = np.random.default_rng(sum(sizes))
    first, second = (rng.integers(0, 256, n, dtype=np.uint8).tobytes() for n in sizes)
    combined = png.adler32_combine(zlib.adler32(first), zlib.adler32(second), len(second))
    assert combined == zlib.adler32(first + second)


def test_every_chunk_carries_its_length_and_crc() -> None:
    pixels = np.random.default_rng(2).integers(0, 256, (300, 400, 3), dtype=np.uint8)
    workers = Workers(2)
    try:
        data = png.encode(pixels, workers=workers)
    finally:
        workers.close()
    at, kinds = 8, []
    while at < len(data):
        (size,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + size]
        (crc,) = struct.unpack(">I", data[at + 8 + size : at + 12 + size])
        assert crc == zlib.crc32(kind + body), kind
        kinds.append(kind)
        at += 12 + size
    assert kinds == [b"IHDR", b"IDAT", b"IEND"]
    assert zlib.decompress(data[41:-16])  # the IDAT's data is one whole zlib stream
