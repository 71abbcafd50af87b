"""What goes behind the subject: a colour, another photo, or the original's background blurred.

Every background is made as a `backdrop` (an RGB array the size of the output) and the
foreground is laid over it with its alpha. The foreground's colours at soft edges are the
estimate from `matting.py`, so no colour of the old background shows through as a fringe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import cv2
import numpy as np

from .decoder import Limits, decode
from .errors import BadOptionError
from .shrink import area
from .stripes import stripes
from .workers import INLINE, Workers

_HEX = re.compile(r"#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")
BLUR_SIDE = 512  # the blur is made at most this wide: it is smooth, so enlarging loses nothing
BLUR_SIGMA = 0.02  # of the long side: a phone's portrait mode, about
LIGHT_SPREAD = (0.5, 2.0)  # how far the light transfer may stretch the photo's contrast


@dataclass(frozen=True)
class Colour:
    rgb: tuple[int, int, int]

    @classmethod
    def parse(cls, text: str) -> Colour:
        """`#RRGGBB`, `RRGGBB` or `#RGB`; anything else is a BadOptionError."""
        found = _HEX.fullmatch(text.strip())
        if found is None:
            raise BadOptionError(f"{text!r} is not a colour; use #RRGGBB, such as #FF0000")
        digits = found.group(1)
        if len(digits) == 3:
            digits = "".join(d * 2 for d in digits)
        red, green, blue = (int(digits[i : i + 2], 16) for i in (0, 2, 4))
        return cls((red, green, blue))

    @property
    def hex(self) -> str:
        return "#{:02X}{:02X}{:02X}".format(*self.rgb)


@dataclass(frozen=True)
class Photo:
    """Another image, scaled to cover the output and centred."""

    data: bytes
    match_light: bool = False  # move its lightness towards the subject's

    def __repr__(self) -> str:
        return f"Photo({len(self.data)} bytes, match_light={self.match_light})"


@dataclass(frozen=True)
class Blur:
    """The original's own background, strongly blurred; the subject stays sharp."""


Background = Colour | Photo | Blur
WHITE = Colour((255, 255, 255))


def blurred(rgb: np.ndarray, alpha: np.ndarray, *, workers: Workers = INLINE) -> np.ndarray:
    """The background of `rgb` blurred, at full size, with no colour of the subject in it.

    A normalised blur: the background's colours and their weights (1 - alpha) are blurred
    alike and divided, so the subject's colours never bleed out as a halo. Where the subject
    covers a wide area the weights vanish; a blur four times as wide fills those parts, and
    the background's mean colour whatever is still left.
    """
    height, width = alpha.shape
    scale = min(1.0, BLUR_SIDE / max(height, width))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    inverse = cv2.bitwise_not(alpha)  # the background's weight, 255 - alpha
    behind = np.empty_like(rgb)  # its colours times that weight, before any shrinking

    def fill(rows: slice) -> None:
        weights = cv2.merge([inverse[rows]] * 3)
        cv2.multiply(rgb[rows], weights, dst=behind[rows], scale=1.0 / 255.0)

    workers.map(fill, stripes(height, width))
    summed = (area(behind, size) if scale < 1 else behind).astype(np.float32)
    weight = (area(inverse, size) if scale < 1 else inverse).astype(np.float32) / 255.0
    sigma = BLUR_SIGMA * max(size)
    fine, fine_weight = _weighted_blur(summed, weight, sigma)
    quarter = (max(1, size[0] // 4), max(1, size[1] // 4))  # 4x the blur at a quarter the size
    coarse, coarse_weight = _weighted_blur(area(summed, quarter), area(weight, quarter), sigma)
    coarse = cv2.resize(coarse, size, interpolation=cv2.INTER_LINEAR)
    coarse_weight = cv2.resize(coarse_weight, size, interpolation=cv2.INTER_LINEAR)
    total = float(weight.sum())
    mean = summed.sum((0, 1)) / total if total > 0 else np.full(3, 127.0, np.float32)
    coarse = _blend(coarse, coarse_weight, np.broadcast_to(mean, coarse.shape))
    result = _blend(fine, fine_weight, coarse)
    small8 = np.clip(result + 0.5, 0, 255).astype(np.uint8)
    if scale == 1:
        return small8
    return cv2.resize(small8, (width, height), interpolation=cv2.INTER_LINEAR)


def _weighted_blur(
    summed: np.ndarray, weight: np.ndarray, sigma: float
) -> tuple[np.ndarray, np.ndarray]:
    """The weighted mean colour around each pixel, and how much weight it rests on (0..1);
    `summed` holds the colours already multiplied by their weights."""
    border = cv2.BORDER_REFLECT
    spread = cv2.GaussianBlur(weight, (0, 0), sigma, borderType=border)
    blurred_sum = cv2.GaussianBlur(summed, (0, 0), sigma, borderType=border)
    return blurred_sum / np.maximum(spread, 1e-6)[..., None], spread


def _blend(sure: np.ndarray, weight: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """`sure` where it rests on enough weight, `fallback` where it rests on next to none."""
    trust = np.clip(weight * 10.0, 0.0, 1.0)[..., None]
    return sure * trust + fallback * (1.0 - trust)


def covering(data: bytes, size: tuple[int, int], limits: Limits) -> np.ndarray:
    """Another image scaled to cover `size` (width, height) and centred, as RGB."""
    rgb = decode(data, limits).rgb
    width, height = size
    scale = max(width / rgb.shape[1], height / rgb.shape[0])
    grown = (max(width, round(rgb.shape[1] * scale)), max(height, round(rgb.shape[0] * scale)))
    if scale < 1:
        resized = area(rgb, grown)
    else:
        resized = cv2.resize(rgb, grown, interpolation=cv2.INTER_CUBIC)
    left, top = (grown[0] - width) // 2, (grown[1] - height) // 2
    return np.ascontiguousarray(resized[top : top + height, left : left + width])


def match_light(backdrop: np.ndarray, foreground: np.ndarray, alpha: np.ndarray) -> None:
    """Move the backdrop's lightness (its mean and spread in Lab) towards the subject's."""
    subject = _lightness(foreground, alpha)
    behind = _lightness(backdrop, None)
    if subject is None or behind is None:
        return
    (target_mean, target_spread), (mean, spread) = subject, behind
    stretch = float(np.clip(target_spread / max(spread, 1e-3), *LIGHT_SPREAD))
    levels = np.arange(256, dtype=np.float32)
    table = np.clip((levels - mean) * stretch + target_mean + 0.5, 0, 255).astype(np.uint8)
    for rows in stripes(*backdrop.shape[:2]):
        lab = cv2.cvtColor(backdrop[rows], cv2.COLOR_RGB2LAB)
        lab[..., 0] = cv2.LUT(lab[..., 0], table)
        cv2.cvtColor(lab, cv2.COLOR_LAB2RGB, dst=backdrop[rows])


def _lightness(rgb: np.ndarray, alpha: np.ndarray | None) -> tuple[float, float] | None:
    """The mean and standard deviation of L (0..255), weighted by alpha if given."""
    height, width = rgb.shape[:2]
    scale = min(1.0, 256 / max(height, width))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = area(rgb, size) if scale < 1 else rgb
    lightness = cv2.cvtColor(small, cv2.COLOR_RGB2LAB)[..., 0].astype(np.float64)
    weight = np.ones_like(lightness)
    if alpha is not None:
        weight = (area(alpha, size) if scale < 1 else alpha).astype(np.float64) / 255.0
    total = weight.sum()
    if total < 1.0:
        return None
    mean = float((lightness * weight).sum() / total)
    spread = float(np.sqrt(((lightness - mean) ** 2 * weight).sum() / total))
    return mean, spread


def over(
    foreground: np.ndarray,
    alpha: np.ndarray,
    backdrop: np.ndarray | Colour,
    *,
    workers: Workers = INLINE,
) -> np.ndarray:
    """The foreground laid over a backdrop or a plain colour: fg * a + bg * (1 - a)."""
    height, width = alpha.shape
    out = np.empty((height, width, 3), np.uint8)

    def fill(rows: slice) -> None:
        a3 = cv2.merge([alpha[rows]] * 3)
        front = cv2.multiply(foreground[rows], a3, scale=1.0 / 255.0)
        if isinstance(backdrop, Colour):
            back = np.empty_like(front)
            back[:] = backdrop.rgb
        else:
            back = backdrop[rows]
        cv2.add(front, cv2.multiply(back, cv2.bitwise_not(a3), scale=1.0 / 255.0), dst=out[rows])

    workers.map(fill, stripes(height, width))
    return out
