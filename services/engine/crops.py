"""Crops around the subject: tight with a margin, or framed to an aspect ratio or a pixel size.

The subject is centred in its frame. Where the frame reaches past the photo, the output is
padded: transparent in a cut-out, the background's own where there is one.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import cv2
import numpy as np

from .errors import BadOptionError
from .shrink import area

SHAPES = ("subject", "original", "square", "4:5", "9:16")
ASPECTS = {"square": 1.0, "4:5": 4 / 5, "9:16": 9 / 16}  # width / height
VISIBLE = 3  # the lowest 8-bit alpha counted as subject (matting.SOFT's lower bound)
MAX_MARGIN = 100.0  # percent
MAX_SIDE = 10_000  # pixels, for a fixed size
_SIZE = re.compile(r"(\d{1,5})\s*[xX×]\s*(\d{1,5})")


@dataclass(frozen=True)
class Crop:
    shape: str = "subject"  # one of SHAPES, or a pixel size "WxH"
    margin: float = 0.0  # percent of the subject's longer side, added on every side

    def __post_init__(self) -> None:
        if self.shape not in SHAPES and self.size is None:
            shapes = ", ".join(SHAPES)
            raise BadOptionError(
                f"{self.shape!r} is not a crop; use {shapes} or a size such as 1080x1080"
            )
        if not 0 <= self.margin <= MAX_MARGIN or math.isnan(self.margin):
            raise BadOptionError(
                f"a crop margin is 0 to {MAX_MARGIN:g} percent, not {self.margin}"
            )

    @property
    def size(self) -> tuple[int, int] | None:
        """The fixed output size of a "WxH" crop."""
        found = _SIZE.fullmatch(self.shape.strip())
        if found is None:
            return None
        width, height = int(found.group(1)), int(found.group(2))
        if not (1 <= width <= MAX_SIDE and 1 <= height <= MAX_SIDE):
            raise BadOptionError(f"a crop size is 1 to {MAX_SIDE} pixels a side")
        return width, height


@dataclass(frozen=True)
class Frame:
    """Part of the photo (it may reach past the edges) and the size it becomes."""

    left: int
    top: int
    right: int
    bottom: int
    out: tuple[int, int]  # (width, height) of the output

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top


def subject_box(alpha: np.ndarray) -> tuple[int, int, int, int] | None:
    """(left, top, right, bottom) around every visible pixel; None if nothing is visible."""
    seen = alpha >= VISIBLE
    rows, cols = np.flatnonzero(seen.any(1)), np.flatnonzero(seen.any(0))
    if rows.size == 0:
        return None
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def frame(alpha: np.ndarray, crop: Crop, *, max_pixels: int) -> Frame:
    """Where `crop` cuts a photo with this alpha, and the output's size.

    A frame larger than `max_pixels` (a tall frame around a panorama) is scaled down.
    """
    height, width = alpha.shape
    left, top, right, bottom = subject_box(alpha) or (0, 0, width, height)
    pad = crop.margin / 100 * max(right - left, bottom - top)
    wide, tall = math.ceil(right - left + 2 * pad), math.ceil(bottom - top + 2 * pad)
    ratio = _aspect(crop, width, height)
    if ratio is not None and wide / tall < ratio:
        wide = round(tall * ratio)
    elif ratio is not None:
        tall = round(wide / ratio)
    x, y = round((left + right - wide) / 2), round((top + bottom - tall) / 2)
    out = crop.size or (wide, tall)
    if out[0] * out[1] > max_pixels:
        scale = math.sqrt(max_pixels / (out[0] * out[1]))
        out = (max(1, int(out[0] * scale)), max(1, int(out[1] * scale)))
    return Frame(x, y, x + wide, y + tall, out=out)


def _aspect(crop: Crop, width: int, height: int) -> float | None:
    if crop.shape == "original":
        return width / height
    if (size := crop.size) is not None:
        return size[0] / size[1]
    return ASPECTS.get(crop.shape)


def cut(pixels: np.ndarray, where: Frame, *, reflect: bool = False) -> np.ndarray:
    """The frame's pixels at its output size; parts past the photo are zero (transparent,
    for an alpha), or the photo mirrored with `reflect`."""
    height, width = pixels.shape[:2]
    inner = pixels[
        max(0, where.top) : min(height, where.bottom), max(0, where.left) : min(width, where.right)
    ]
    sx, sy = where.out[0] / where.width, where.out[1] / where.height
    pads = (
        round(max(0, -where.top) * sy),
        round(max(0, where.bottom - height) * sy),
        round(max(0, -where.left) * sx),
        round(max(0, where.right - width) * sx),
    )
    inner_size = (where.out[0] - pads[2] - pads[3], where.out[1] - pads[0] - pads[1])
    if inner.size == 0 or min(inner_size) < 1:
        return np.zeros((where.out[1], where.out[0], *pixels.shape[2:]), np.uint8)
    inner = _resized(np.ascontiguousarray(inner), inner_size)
    border = cv2.BORDER_REFLECT if reflect else cv2.BORDER_CONSTANT
    framed = cv2.copyMakeBorder(inner, *pads, border, value=0)
    return framed.reshape(where.out[1], where.out[0], *pixels.shape[2:])


def _resized(pixels: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    if (pixels.shape[1], pixels.shape[0]) == size:
        return pixels
    if size[0] * size[1] < pixels.shape[0] * pixels.shape[1]:
        return area(pixels, size)
    return cv2.resize(pixels, size, interpolation=cv2.INTER_CUBIC)
