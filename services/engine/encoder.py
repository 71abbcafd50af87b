"""Pixels to the contract's output files."""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image

from . import png
from .stripes import stripes
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
    height, width = alpha.shape
    rgba = np.empty((height, width, 4), np.uint8)

    def fill(rows: slice) -> None:
        _, visible = cv2.threshold(alpha[rows], 0, 255, cv2.THRESH_BINARY)
        part = foreground[rows]
        hidden_black = cv2.bitwise_and(part, part, mask=visible)  # compresses better
        cv2.cvtColor(hidden_black, cv2.COLOR_RGB2RGBA, dst=rgba[rows])  # cheaper than merge
        cv2.mixChannels([alpha[rows]], [rgba[rows]], [0, 3])

    workers.map(fill, stripes(height, width))  # stripe by stripe: small temporaries
    if fmt != "webp":
        return png.encode(rgba, workers=workers)
    buffer = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(
        buffer, "WEBP", quality=quality, lossless=quality >= 100, method=4
    )
    return buffer.getvalue()


def opaque(rgb: np.ndarray, *, fmt: str, quality: int, workers: Workers = INLINE) -> bytes:
    """A composed picture with nothing transparent: PNG, JPEG or WebP."""
    if fmt == "png":
        return png.encode(rgb, workers=workers)
    if fmt == "jpg":
        return jpeg(rgb, quality=quality)
    buffer = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(
        buffer, "WEBP", quality=quality, lossless=quality >= 100, method=4
    )
    return buffer.getvalue()


def on_white(foreground: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """The foreground flattened onto white: fg * a + 255 * (1 - a), in 8-bit arithmetic."""
    a3 = cv2.merge([alpha, alpha, alpha])
    return cv2.add(cv2.multiply(foreground, a3, scale=1.0 / 255.0), cv2.bitwise_not(a3))


def white_jpeg(
    foreground: np.ndarray, alpha: np.ndarray, *, quality: int, workers: Workers = INLINE
) -> bytes:
    """The cut-out flattened onto white, as a JPEG, made a stripe at a time.

    Pillow keeps RGB pixels as RGBX, so an RGBX array is encoded without a copy.
    """
    height, width = alpha.shape
    rgbx = np.empty((height, width, 4), np.uint8)

    def fill(rows: slice) -> None:
        white = on_white(foreground[rows], alpha[rows])
        cv2.cvtColor(white, cv2.COLOR_RGB2RGBA, dst=rgbx[rows])

    workers.map(fill, stripes(height, width))
    return _saved(Image.fromarray(rgbx, "RGBX"), quality)


def jpeg(pixels: np.ndarray, *, quality: int) -> bytes:
    """An RGB or greyscale JPEG."""
    return _saved(Image.fromarray(pixels, "L" if pixels.ndim == 2 else "RGB"), quality)


def _saved(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()
