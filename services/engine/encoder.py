"""Pixels to the contract's output files."""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image

from . import png
from .workers import INLINE, Workers


def cutout(
    foreground: np.ndarray,
    alpha: np.ndarray,
    *,
    fmt: str,
    quality: int,
    workers: Workers = INLINE,
) -> bytes:
    """A transparent cut-out: RGBA PNG, or WebP (lossy with alpha, lossless at 100)."""
    _, visible = cv2.threshold(alpha, 0, 255, cv2.THRESH_BINARY)
    hidden_black = cv2.bitwise_and(foreground, foreground, mask=visible)  # compresses better
    rgba = cv2.cvtColor(hidden_black, cv2.COLOR_RGB2RGBA)  # cheaper than split and merge
    cv2.mixChannels([alpha], [rgba], [0, 3])
    if fmt != "webp":
        return png.encode(rgba, workers=workers)
    buffer = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(
        buffer, "WEBP", quality=quality, lossless=quality >= 100, method=4
    )
    return buffer.getvalue()


def on_white(foreground: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """The foreground flattened onto white: fg * a + 255 * (1 - a), in 8-bit arithmetic."""
    a3 = cv2.merge([alpha, alpha, alpha])
    return cv2.add(cv2.multiply(foreground, a3, scale=1.0 / 255.0), cv2.bitwise_not(a3))


def jpeg(pixels: np.ndarray, *, quality: int) -> bytes:
    """An RGB or greyscale JPEG."""
    mode = "L" if pixels.ndim == 2 else "RGB"
    buffer = io.BytesIO()
    Image.fromarray(pixels, mode).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()
