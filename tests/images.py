"""Small test images made in memory, one helper per kind."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def disc(size: tuple[int, int] = (160, 120), mode: str = "RGB") -> Image.Image:
    """A red disc on a green-grey background: an easy salient object."""
    w, h = size
    y, x = np.mgrid[0:h, 0:w]
    inside = (x - w / 2) ** 2 + (y - h / 2) ** 2 < (min(w, h) / 3) ** 2
    pixels = np.empty((h, w, 3), np.uint8)
    pixels[:] = (90, 140, 90)
    pixels[inside] = (220, 30, 40)
    return Image.fromarray(pixels, "RGB").convert(mode)


def sample(name: str = "chelsea.jpg") -> bytes:
    return (SAMPLES / name).read_bytes()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares width x height but carries almost no data: a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    row = zlib.compress(b"\x00" * (width + 1))
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", row) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image
