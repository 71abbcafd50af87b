"""A fast PNG writer: the "Up" filter in numpy and deflate by ISA-L.

At 12 MP it is about ten times quicker than Pillow at zlib level 1, and its files are smaller,
because one cheap filter for every row suits photos and cut-outs alike. Large images are
deflated in parts on several threads, as pigz does: each part but the last ends on a byte
boundary with a sync flush, so the parts join into one stream.
"""

from __future__ import annotations

import struct

import numpy as np
from isal import isal_zlib

from .workers import INLINE, Workers

COLOUR_TYPES = {1: 0, 2: 4, 3: 2, 4: 6}  # channels -> PNG colour type (L, LA, RGB, RGBA)
UP = 2
LEVEL = 2
MIN_PART = 256 << 10  # bytes; smaller parts are not worth a thread
PARTS_PER_WORKER = 4  # so that a worker with easy parts takes on more of them
ZLIB_HEADER = b"\x78\x01"  # deflate, 32 KiB window, fastest-level hint


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = isal_zlib.crc32(data, isal_zlib.crc32(kind))
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def encode(pixels: np.ndarray, *, workers: Workers = INLINE) -> bytes:
    """An 8-bit PNG of an (h, w) or (h, w, channels) uint8 array."""
    if pixels.dtype != np.uint8:
        raise TypeError("8-bit pixels only")
    height, width = pixels.shape[:2]
    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    rows = pixels.reshape(height, width * channels)
    filtered = np.empty((height, 1 + width * channels), np.uint8)
    filtered[:, 0] = UP
    filtered[0, 1:] = rows[0]
    np.subtract(rows[1:], rows[:-1], out=filtered[1:, 1:])  # wraps modulo 256, as PNG wants
    header = struct.pack(">IIBBBBB", width, height, 8, COLOUR_TYPES[channels], 0, 0, 0)
    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", _deflate(memoryview(filtered.data).cast("B"), workers)),
            _chunk(b"IEND", b""),
        ]
    )


def _deflate(data: memoryview, workers: Workers) -> bytes:
    """A zlib stream of `data`, deflated in parts by `workers`."""
    parts = max(1, min(workers.count * PARTS_PER_WORKER, len(data) // MIN_PART))
    if workers.count == 1 or parts == 1:
        return isal_zlib.compress(data, LEVEL)
    step = -(-len(data) // parts)
    bounds = [(start, min(start + step, len(data))) for start in range(0, len(data), step)]

    def part(bound: tuple[int, int]) -> bytes:
        start, end = bound
        deflater = isal_zlib.compressobj(LEVEL, isal_zlib.DEFLATED, -isal_zlib.MAX_WBITS)
        last = end == len(data)
        flush = isal_zlib.Z_FINISH if last else isal_zlib.Z_SYNC_FLUSH
        return deflater.compress(data[start:end]) + deflater.flush(flush)

    body = b"".join(workers.map(part, bounds))
    return ZLIB_HEADER + body + struct.pack(">I", isal_zlib.adler32(data))
