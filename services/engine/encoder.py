"""Pixels to the contract's output files."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

# zlib level 1: within a few per cent of level 6's size here, at a fraction of the time.
PNG_LEVEL = 1


def cutout(foreground: np.ndarray, alpha: np.ndarray, *, fmt: str, quality: int) -> bytes:
    """A transparent cut-out: RGBA PNG, or WebP (lossy with alpha, lossless at 100)."""
    rgba = np.dstack([foreground, alpha])
    rgba[alpha == 0, :3] = 0  # hidden pixels compress better as black
    image = Image.fromarray(rgba, "RGBA")
    buffer = io.BytesIO()
    if fmt == "webp":
        image.save(buffer, "WEBP", quality=quality, lossless=quality >= 100, method=4)
    else:
        image.save(buffer, "PNG", compress_level=PNG_LEVEL)
    return buffer.getvalue()


def on_white(foreground: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """The foreground flattened onto white."""
    a = alpha.astype(np.float32)[..., None] * (1.0 / 255.0)
    flat = foreground.astype(np.float32) * a + 255.0 * (1.0 - a)
    return (flat + 0.5).astype(np.uint8)


def jpeg(pixels: np.ndarray, *, quality: int) -> bytes:
    """An RGB or greyscale JPEG."""
    mode = "L" if pixels.ndim == 2 else "RGB"
    buffer = io.BytesIO()
    Image.fromarray(pixels, mode).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()
