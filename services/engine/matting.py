"""From a low-resolution prediction to a full-resolution alpha and clean foreground colours."""

from __future__ import annotations

import cv2
import numpy as np

from .shrink import area
from .stripes import stripes
from .workers import INLINE, Workers

WORK_SIDE = 640  # the blurred estimates are computed at most this wide by default (edges.py)
WIDE, NARROW = 90, 6  # box radii of the two passes, in working pixels
EPS = 1e-5
# Pixels with alpha outside 0.01..0.99 keep their colour: it moves a composite by under three
# levels there, and skipping them spares a third of the work on a typical photo.
SOFT = (3, 252)  # that band in stored 8-bit alpha
PART_POINTS = 1 << 18  # soft pixels one worker corrects at once: about 30 MB of temporaries


def normalise(prediction: np.ndarray) -> np.ndarray:
    """Min-max scale a model's output to 0..1, as the models' reference code does."""
    low, high = float(prediction.min()), float(prediction.max())
    if high - low < 1e-6:
        return np.zeros_like(prediction, dtype=np.float32)
    return ((prediction - low) / (high - low)).astype(np.float32)


def fuse(primary: np.ndarray, companion: np.ndarray) -> np.ndarray:
    """Fill in what `primary` misses where `companion` is confident of the same object.

    ISNet traces fine structure but can leave holes inside soft-textured objects (fur, plush,
    wool); U²-Net-p's confident core fills them. Only the core's regions that touch the
    primary's foreground are taken, so a background object the companion alone believes in
    is never added (BENCHMARKS.md measures the effect).
    """
    core = upsample(companion, primary.shape[::-1])
    confident = (core >= 0.5).astype(np.uint8)
    count, labels = cv2.connectedComponents(confident)
    touching = np.zeros(count, bool)
    touching[np.unique(labels[(primary >= 0.5) & (confident > 0)])] = True
    touching[0] = False  # the label of everything the companion is unsure of
    core[~touching[labels]] = 0.0
    return np.maximum(primary, core)


def upsample(alpha: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize a 0..1 alpha to (width, height) with a smooth cubic filter."""
    if alpha.shape[::-1] == size:
        return alpha
    resized = cv2.resize(alpha, size, interpolation=cv2.INTER_CUBIC)
    return np.clip(resized, 0.0, 1.0, out=resized)


def estimate_foreground(
    rgb: np.ndarray,
    alpha: np.ndarray,
    *,
    side: int = WORK_SIDE,
    workers: Workers = INLINE,
    in_place: bool = False,
    alpha8: np.ndarray | None = None,
) -> np.ndarray:
    """Foreground colour where alpha is soft, so edges carry no tint of the old background.

    Blur-fusion foreground estimation (Forte & Pitié, 2021): box-blurred foreground and
    background estimates, a wide pass then a narrow one. The blurred estimates are smooth, so
    they are computed at most `side` pixels wide and sampled at the soft pixels only; the
    final correction uses the full-resolution colours. `workers` share the blurs and the soft
    pixels between them. `in_place` corrects `rgb` itself rather than a copy. `alpha8` is
    `alpha` as 8 bits, if the caller has it already.
    """
    height, width = alpha.shape
    points = _soft_points(to_uint8(alpha) if alpha8 is None else alpha8, workers)
    if points is None:
        return rgb
    scale = min(1.0, side / max(height, width))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = rgb if scale == 1.0 else area(rgb, size)
    small_alpha = alpha if scale == 1.0 else area(alpha, size)
    image = small.astype(np.float32) * (1.0 / 255.0)
    a = cv2.merge([small_alpha] * 3)
    blurred = _blurred(image, None, a, WIDE, workers)
    fg = _correct(image, a, *blurred)
    blurred = _blurred(fg, blurred[1], a, NARROW, workers)
    out = rgb if in_place else rgb.copy()

    def refine(xy: np.ndarray) -> None:
        """Correct the full-resolution colours of these soft pixels, in place in `out`."""
        xs, ys = xy.T
        soft = ys.astype(np.intp) * width + xs
        at = _sample(blurred, (xs + 0.5) * scale - 0.5, (ys + 0.5) * scale - 0.5)
        texels = np.take(_as_texels(rgb), soft)  # 3-byte pixels: quicker to gather
        pixels = _as_rgb(texels).astype(np.float32)
        pixels *= 1.0 / 255.0
        a = cv2.merge([np.take(alpha, soft)] * 3)  # (n, 1, 3): no slow broadcasting
        fg_soft = _correct(pixels, a, *(m.reshape(-1, 1, 3) for m in at))
        np.put(_as_texels(out), soft, _as_texels(to_uint8(fg_soft)))

    # Each part reads its own pixels before it writes them, so `out` may be `rgb` itself.
    parts = max(workers.count, -(-len(points) // PART_POINTS))
    workers.map(refine, np.array_split(points, parts))
    return out


def _soft_points(alpha8: np.ndarray, workers: Workers) -> np.ndarray | None:
    """The (x, y) of each soft pixel as an (n, 2) array, found a stripe per worker."""

    def find(rows: slice) -> np.ndarray | None:
        found = cv2.findNonZero(cv2.inRange(alpha8[rows], *SOFT))
        if found is None:
            return None
        points = np.asarray(found, np.int32).reshape(-1, 2)
        points[:, 1] += rows.start
        return points

    height, width = alpha8.shape
    rows = -(-height // workers.count)
    found = [p for p in workers.map(find, stripes(height, width, rows * width)) if p is not None]
    return np.concatenate(found) if found else None


def _as_texels(rgb: np.ndarray) -> np.ndarray:
    """A flat view of 3-byte pixels, which numpy indexes much faster than (n, 3) rows."""
    return rgb.reshape(-1, 3).view(np.dtype((np.void, 3))).reshape(-1)


def _as_rgb(texels: np.ndarray) -> np.ndarray:
    """3-byte pixels as an (n, 1, 3) image that OpenCV takes."""
    return texels.view(np.uint8).reshape(-1, 1, 3)


def to_uint8(alpha: np.ndarray) -> np.ndarray:
    """0..1 values (an alpha, or colours) as rounded 8-bit values."""
    return cv2.convertScaleAbs(alpha, alpha=255.0)


def _sample(maps: tuple[np.ndarray, ...], x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """Bilinear samples of each map at the points (x, y), as (n, channels) arrays."""
    n = x.size
    cols = 4096  # cv2.remap takes maps under 32767 on a side: fold the points into rows
    rows = -(-n // cols)
    grid = np.zeros((2, rows * cols), np.float32)
    grid[0, :n], grid[1, :n] = x, y
    map_x, map_y = (g.reshape(rows, cols) for g in grid)
    return [
        cv2.remap(m, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE).reshape(
            rows * cols, -1
        )[:n]
        for m in maps
    ]


def _blurred(
    fg: np.ndarray, bg: np.ndarray | None, a: np.ndarray, radius: int, workers: Workers
) -> tuple[np.ndarray, np.ndarray]:
    """Alpha-weighted local means of the foreground and background estimates.

    `bg` None means the image `fg` itself, whose background sum is then blur(I) - blur(I a).
    The weight is blurred on one channel. OpenCV runs each box blur on one thread, so the
    blurs are shared among `workers`, the two costly ones first.
    """
    box = (radius, radius)
    whole = fg if bg is None else cv2.multiply(bg, np.subtract(1.0, a))
    weighted = [whole, cv2.multiply(fg, a), np.ascontiguousarray(a[..., 0])]
    blurred_bg, blurred_fg, weight = workers.map(lambda im: cv2.blur(im, box), weighted)
    if bg is None:
        np.subtract(blurred_bg, blurred_fg, out=blurred_bg)
    weight_fg = cv2.merge([weight] * 3)
    weight_bg = np.subtract(1.0 + EPS, weight_fg)
    np.add(weight_fg, EPS, out=weight_fg)
    np.divide(blurred_fg, weight_fg, out=blurred_fg)
    np.divide(blurred_bg, weight_bg, out=blurred_bg)
    return blurred_fg, blurred_bg


def _correct(
    image: np.ndarray, a: np.ndarray, blurred_fg: np.ndarray, blurred_bg: np.ndarray
) -> np.ndarray:
    """Move the blurred foreground so that compositing it reproduces the observed colour:
    fg = F + a * (I - a * F - (1 - a) * B), clipped to 0..1."""
    fg = a * blurred_fg
    np.subtract(image, fg, out=fg)
    fg -= (1.0 - a) * blurred_bg
    fg *= a
    fg += blurred_fg
    return np.clip(fg, 0.0, 1.0, out=fg)
