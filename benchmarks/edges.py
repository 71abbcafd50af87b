"""Foreground colour at soft edges: which estimate leaves no fringe of the old background.

    .venv/bin/python benchmarks/edges.py --eval DIR [--limit N] [--no-pymatting] [--markdown]

No set here has ground-truth foreground colours, so the composites are synthetic with known
truth: the soft ground-truth mattes of DIR/alphamatting_train_lowres (its masks/ and images/,
read in place, never copied), each over its own photo as the foreground F, composited onto
contrasting backgrounds B (the sample photos and two flat, saturated colours):
I = F * a + B * (1 - a), rounded to 8 bits.
Errors are measured over the soft band 0.01 < a < 0.99, per composite, then averaged.

The engine's box radii are in working pixels, so the working side sets the blur scale relative
to the photo: the "12 MP-equivalent" rows run each ~800 px composite with that side scaled by
(its long side / 4000), the working-to-photo ratio the engine would have on a 4000x3000 photo.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from common import (
    SAMPLES_DIR,
    THREADS,
    Table,
    add_eval_argument,
    eval_sets_missing,
    verdict,
)
from PIL import Image

from services.engine import matting

SET = "alphamatting_train_lowres"
FLAT_COLOURS = {"green": (0, 200, 0), "magenta": (255, 0, 255)}
BIG = (4000, 3000)  # width, height of the 12 MP timing composite
BUDGET_MS = 300.0  # the engine's budget for this step on a 12 MP photo, 2 cores
LOW, HIGH = 0.01, 0.99  # the soft band
VISIBLE = 10.0  # a white-flattened pixel off by more than this (any channel) shows as fringe

Estimator = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Composite:
    name: str
    image: np.ndarray  # I, (h, w, 3) uint8
    alpha: np.ndarray  # a, (h, w) float32 0..1
    truth: np.ndarray  # F, (h, w, 3) float32 0..255


@dataclass(frozen=True)
class Variant:
    name: str
    estimate: Estimator
    big: bool  # also timed on the 12 MP composite


def blur_fusion(side: int) -> Estimator:
    def estimate(image: np.ndarray, alpha: np.ndarray) -> np.ndarray:
        return matting.estimate_foreground(image, alpha, side=side)

    return estimate


def blur_fusion_as_at_12mp(side: int) -> Estimator:
    """The working side scaled so the working-to-photo ratio is what it would be at 4000 px."""

    def estimate(image: np.ndarray, alpha: np.ndarray) -> np.ndarray:
        return blur_fusion(max(1, round(side * max(alpha.shape) / max(BIG))))(image, alpha)

    return estimate


def naive(image: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    return image


def pymatting_ml(image: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    from pymatting import estimate_foreground_ml

    fg = estimate_foreground_ml(image.astype(np.float64) / 255.0, alpha.astype(np.float64))
    return (np.clip(fg, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def variants(*, with_pymatting: bool) -> list[Variant]:
    found = [Variant("none (F = I)", naive, True)]
    found += [Variant(f"blur-fusion {s}", blur_fusion(s), True) for s in (1024, 640, 512)]
    found += [
        Variant(f"blur-fusion {s}, 12 MP-equivalent", blur_fusion_as_at_12mp(s), False)
        for s in (1024, 640, 512)
    ]
    if with_pymatting:
        found.append(Variant("pymatting estimate_foreground_ml", pymatting_ml, False))
    return found


def read_rgb(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def backgrounds(width: int, height: int) -> dict[str, np.ndarray]:
    """The sample photos resized to (width, height), then the flat colours."""
    found = {
        path.stem: cv2.resize(read_rgb(path), (width, height), interpolation=cv2.INTER_CUBIC)
        for path in sorted(SAMPLES_DIR.glob("*.jpg"))
    }
    for name, colour in FLAT_COLOURS.items():
        found[name] = np.full((height, width, 3), colour, np.uint8)
    return found


def composite(name: str, fg: np.ndarray, bg: np.ndarray, alpha: np.ndarray) -> Composite:
    truth = fg.astype(np.float32)
    a = alpha[..., None]
    image = truth * a + bg.astype(np.float32) * (1.0 - a)
    return Composite(name, (image + 0.5).astype(np.uint8), alpha, truth)


def load(mask: Path) -> tuple[np.ndarray, np.ndarray]:
    """A set's photo (the foreground F) and its soft ground-truth matte as float 0..1."""
    with Image.open(mask) as image:
        alpha = np.asarray(image.convert("L")).astype(np.float32) / 255.0
    return read_rgb(mask.parent.parent / "images" / mask.name), alpha


def composites(set_dir: Path, limit: int | None) -> Iterator[tuple[str, Composite]]:
    """(background name, composite) for each matte and each background."""
    for mask in sorted((set_dir / "masks").glob("*.png"))[:limit]:
        fg, alpha = load(mask)
        for bg_name, bg in backgrounds(alpha.shape[1], alpha.shape[0]).items():
            yield bg_name, composite(f"{mask.stem}/{bg_name}", fg, bg, alpha)


def big_composite(set_dir: Path) -> Composite:
    """The first matte, its photo and the first sample photo, each upscaled to 12 MP."""
    fg, alpha = load(sorted((set_dir / "masks").glob("*.png"))[0])
    fg = cv2.resize(fg, BIG, interpolation=cv2.INTER_CUBIC)
    alpha = np.clip(cv2.resize(alpha, BIG, interpolation=cv2.INTER_CUBIC), 0.0, 1.0)
    bg = next(iter(backgrounds(*BIG).values()))
    return composite("12 MP", fg, bg, alpha)


def errors(case: Composite, estimated: np.ndarray) -> tuple[float, float, float]:
    """Alpha-weighted foreground error, white-flatten error, share of visible fringe (%)."""
    soft = (case.alpha > LOW) & (case.alpha < HIGH)
    a = case.alpha[soft][:, None]
    # flat(X) = X * a + 255 * (1 - a), so flat(F_est) - flat(F) = a * (F_est - F).
    diff = np.abs(estimated[soft].astype(np.float32) - case.truth[soft])
    fg_error = float((diff.mean(axis=1) * a[:, 0]).sum() / a.sum())
    flat = diff * a
    return fg_error, float(flat.mean()), float((flat.max(axis=1) > VISIBLE).mean() * 100.0)


def timed(estimate: Estimator, case: Composite) -> tuple[np.ndarray, float]:
    start = time.perf_counter()
    out = estimate(case.image, case.alpha)
    return out, (time.perf_counter() - start) * 1000.0


def time_big(estimate: Estimator, case: Composite, repeats: int = 5) -> float:
    """Median wall time on the 12 MP composite, after one warm-up run."""
    timed(estimate, case)
    return statistics.median(timed(estimate, case)[1] for _ in range(repeats))


def warm_up(found: list[Variant]) -> None:
    """Run each variant once on a small scene so numba's compile time is not counted."""
    alpha = np.tile(np.clip((np.arange(64, dtype=np.float32) - 24) / 16, 0, 1), (48, 1))
    bg = np.full((48, 64, 3), FLAT_COLOURS["green"], np.uint8)
    case = composite("warm-up", np.full_like(bg, 200), bg, alpha)
    for variant in found:
        timed(variant.estimate, case)


@dataclass
class Scores:
    rows: list[list[float]]  # [fg error, flat error, fringe %, ms] per composite
    flat_by_background: dict[str, list[float]]

    def mean(self, column: int) -> float:
        return statistics.fmean(row[column] for row in self.rows)


def measure(found: list[Variant], set_dir: Path, limit: int | None) -> dict[str, Scores]:
    scores = {v.name: Scores([], {}) for v in found}
    for bg_name, case in composites(set_dir, limit):
        for variant in found:
            estimated, ms = timed(variant.estimate, case)
            row = [*errors(case, estimated), ms]
            scores[variant.name].rows.append(row)
            scores[variant.name].flat_by_background.setdefault(bg_name, []).append(row[1])
        print(f"{case.name}: done", file=sys.stderr, flush=True)
    return scores


def summary(found: list[Variant], scores: dict[str, Scores], big_ms: dict[str, float]) -> Table:
    header = [
        "variant",
        "fg error (a-weighted, 0..255)",
        "white-flatten error",
        f"fringe px % (> {VISIBLE:.0f})",
        "ms / image (~0.45 MP)",
        "ms @ 12 MP",
        f"12 MP <= {BUDGET_MS:.0f} ms",
    ]
    rows = []
    for v in found:
        s, ms = scores[v.name], big_ms.get(v.name)
        big = ["", ""] if ms is None else [f"{ms:.0f}", verdict(ms <= BUDGET_MS)]
        rows.append([v.name, *(f"{s.mean(i):.2f}" for i in range(3)), f"{s.mean(3):.0f}", *big])
    return Table(header, rows)


def by_background(found: list[Variant], scores: dict[str, Scores]) -> Table:
    names = list(scores[found[0].name].flat_by_background)
    rows = [
        [v.name, *(f"{statistics.fmean(scores[v.name].flat_by_background[n]):.2f}" for n in names)]
        for v in found
    ]
    return Table(["white-flatten error by background", *names], rows)


def best(found: list[Variant], scores: dict[str, Scores], big_ms: dict[str, float]) -> str:
    """The lowest white-flatten error among the variants timed within budget at 12 MP."""
    fits = [v for v in found if v.big and big_ms[v.name] <= BUDGET_MS]
    if not fits:
        return "no variant fits the 12 MP budget"
    pick = min(fits, key=lambda v: scores[v.name].mean(1))
    return (
        f"best white-flatten error within {BUDGET_MS:.0f} ms at 12 MP: {pick.name} "
        f"({scores[pick.name].mean(1):.2f}, {big_ms[pick.name]:.0f} ms)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_eval_argument(parser)
    parser.add_argument("--limit", type=int, help="use only the first N mattes")
    parser.add_argument("--no-pymatting", action="store_true", help="skip the slow peer")
    parser.add_argument("--markdown", action="store_true", help="print markdown tables")
    args = parser.parse_args(argv)
    if eval_sets_missing(args.eval, [SET]):
        return 2
    set_dir = args.eval / SET
    cv2.setNumThreads(THREADS)
    found = variants(with_pymatting=not args.no_pymatting)
    warm_up(found)
    big = big_composite(set_dir)
    big_ms = {v.name: time_big(v.estimate, big) for v in found if v.big}
    scores = measure(found, set_dir, args.limit)
    count = len(scores[found[0].name].rows)
    print(f"{count} composites, soft band {LOW} < a < {HIGH}; means over composites\n")
    print(summary(found, scores, big_ms).render(markdown=args.markdown))
    print()
    print(by_background(found, scores).render(markdown=args.markdown))
    print()
    print(best(found, scores, big_ms))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
