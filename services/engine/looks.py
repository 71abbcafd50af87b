"""A look: the background behind the subject and the crop around it, applied to a cut-out.

A look is planned from the original photo (a blurred background is made from its pixels,
before the foreground's colours are corrected in place) and applied to the foreground and
its alpha. The same two steps compose a look again from a kept cut-out, with no model run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .backgrounds import Background, Blur, Colour, Photo, blurred, covering, match_light, over
from .crops import Crop, Frame, cut, frame
from .decoder import Limits
from .workers import INLINE, Workers


@dataclass(frozen=True)
class Look:
    background: Background | None = None
    crop: Crop | None = None

    @property
    def plain(self) -> bool:
        return self.background is None and self.crop is None

    @property
    def needs_original(self) -> bool:
        """A blurred background is made from the original photo's pixels."""
        return isinstance(self.background, Blur)


@dataclass(frozen=True)
class Plan:
    look: Look
    frame: Frame | None
    backdrop: np.ndarray | Colour | None


@dataclass(frozen=True)
class Framed:
    """The outputs' pixels: the foreground and alpha in the frame, and the composed image."""

    foreground: np.ndarray
    alpha: np.ndarray
    image: np.ndarray | None  # opaque RGB when the look has a background


def plan(
    look: Look,
    alpha: np.ndarray,
    *,
    original: np.ndarray | None,
    limits: Limits,
    workers: Workers = INLINE,
) -> Plan:
    """Where to crop and what goes behind; `original` is needed for a blurred background."""
    where = frame(alpha, look.crop, max_pixels=limits.max_pixels) if look.crop else None
    height, width = alpha.shape
    size = where.out if where is not None else (width, height)
    backdrop: np.ndarray | Colour | None = None
    match look.background:
        case Colour() as colour:
            backdrop = colour
        case Photo(data=data):
            backdrop = covering(data, size, limits)
        case Blur():
            if original is None:
                raise ValueError("a blurred background needs the original photo")
            backdrop = blurred(original, alpha, workers=workers)
            if where is not None:
                backdrop = cut(backdrop, where, reflect=True)
    return Plan(look, where, backdrop)


def apply(
    plan: Plan, foreground: np.ndarray, alpha: np.ndarray, *, workers: Workers = INLINE
) -> Framed:
    if plan.frame is not None:
        foreground, alpha = cut(foreground, plan.frame), cut(alpha, plan.frame)
    backdrop = plan.backdrop
    if backdrop is None:
        return Framed(foreground, alpha, None)
    background = plan.look.background
    if isinstance(background, Photo) and background.match_light:
        assert isinstance(backdrop, np.ndarray)
        match_light(backdrop, foreground, alpha)
    return Framed(foreground, alpha, over(foreground, alpha, backdrop, workers=workers))
