"""What else was tried for the precise fusion and the fast resize, scored on the eval sets.

    .venv/bin/python benchmarks/variants.py --eval DIR [--sets a,b] [--limit N] [--markdown]
        [--half even|odd] [--variants a,b] [--motion]

`--motion` blurs every photo along a line first, as a moving subject or a panning camera
would (the masks stay as they are): a proxy for frames of motion, which no dev set holds.
Raw predictions are cached in models/.bench/variants (about 1 h for all 564 images on 2
cores, seconds afterwards), so new fusion rules can be scored cheaply. The sets are read in
place from --eval DIR; nothing of them is written but the model outputs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort
from common import MODELS_DIR, Table, add_eval_argument, eval_sets_missing, session_options
from metrics import LOWER_IS_BETTER, METRICS, Scores, significantly_worse
from PIL import Image
from quality import ALL, HALVES, SETS, SOFT_SETS, pairs

from services.engine.decoder import Limits, decode
from services.engine.matting import fuse, normalise, to_uint8, upsample
from services.engine.pipeline import preprocess
from services.engine.registry import FAST, PRECISE, U2NET

CACHE = MODELS_DIR / ".bench" / "variants"
Preds = dict[str, np.ndarray]
Variant = Callable[[Preds, tuple[int, int]], np.ndarray]


def pil_lanczos(
    rgb: np.ndarray,
    side: int,
    mean: tuple[float, ...],
    std: tuple[float, ...],
    *,
    peak: bool = False,
) -> np.ndarray:
    """PIL Lanczos to the square, divided by 255 (or, as rembg does, by the image's maximum)."""
    image = np.asarray(Image.fromarray(rgb).resize((side, side), Image.Resampling.LANCZOS))
    scaled = image.astype(np.float64) / (max(float(image.max()), 1e-6) if peak else 255.0)
    return ((scaled - mean) / std).transpose(2, 0, 1)[None].astype(np.float32)


def rembg_like(
    rgb: np.ndarray, side: int, mean: tuple[float, ...], std: tuple[float, ...]
) -> np.ndarray:
    """rembg's input: PIL Lanczos to the square, divided by the image's maximum."""
    return pil_lanczos(rgb, side, mean, std, peak=True)


def blocks_then_lanczos(rgb: np.ndarray) -> np.ndarray:
    """Tried for fast: k x k block averages (OpenCV's fast path), the smallest k that brings
    the long side to at most 640, then Lanczos to 320. 2 ms quicker at 1280x960 than the
    shipped area to 640 x 640, but blurrier on photos under 1280 px."""
    block = -(-max(rgb.shape[:2]) // 640)
    if block > 1:
        rgb = cv2.resize(rgb, None, fx=1 / block, fy=1 / block, interpolation=cv2.INTER_AREA)
    return preprocess(rgb, replace(FAST, shrink="area-lanczos"))


ISNET_1024 = replace(PRECISE, input_size=1024)


def inputs(rgb: np.ndarray) -> dict[str, tuple[int, Callable[[], np.ndarray]]]:
    """Each cached prediction: its session (0 U²-Net-p, 1 ISNet, 2 U²-Net) and its input."""
    return {
        "fast_area": (0, lambda: preprocess(rgb, replace(FAST, shrink="area"))),
        "fast_area_lanczos": (0, lambda: preprocess(rgb, FAST)),
        "fast_blocks_lanczos": (0, lambda: blocks_then_lanczos(rgb)),
        "fast_lanczos": (0, lambda: pil_lanczos(rgb, 320, FAST.mean, FAST.std)),
        "fast_rembg": (0, lambda: rembg_like(rgb, 320, FAST.mean, FAST.std)),
        "isnet768": (1, lambda: preprocess(rgb, PRECISE)),
        "isnet1024": (1, lambda: rembg_like(rgb, 1024, PRECISE.mean, PRECISE.std)),
        "isnet1024_area": (1, lambda: preprocess(rgb, ISNET_1024)),
        "u2net": (2, lambda: preprocess(rgb, U2NET)),
        # Test-time flips: the mirrored photo's predictions, stored mirrored
        "isnet768_flip": (1, lambda: preprocess(rgb[:, ::-1], PRECISE)),
        "u2net_flip": (2, lambda: preprocess(rgb[:, ::-1], U2NET)),
    }


def predict(session: ort.InferenceSession, tensor: np.ndarray) -> np.ndarray:
    out = session.run(None, {session.get_inputs()[0].name: tensor})[0][0, 0]
    return normalise(out).astype(np.float16)


def rembg_up(pred: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """rembg's output: truncated to 8 bits, then PIL Lanczos to full size."""
    mask = Image.fromarray((pred.astype(np.float32) * 255).astype(np.uint8), mode="L")
    return np.asarray(mask.resize(size, Image.Resampling.LANCZOS))


def ours_up(pred: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    return to_uint8(upsample(pred.astype(np.float32), size))


def core(primary: np.ndarray, companion: np.ndarray) -> np.ndarray:
    grown = upsample(companion.astype(np.float32), primary.shape[::-1])
    grown[grown < 0.5] = 0.0
    return grown


def fuse_all(primary: np.ndarray, companion: np.ndarray) -> np.ndarray:
    """The rule shipped before: all of the companion's confident parts, wherever they are."""
    return np.maximum(primary.astype(np.float32), core(primary, companion))


def fuse_holes(primary: np.ndarray, companion: np.ndarray) -> np.ndarray:
    """Only inside the holes of the primary's foreground (background not reaching a border)."""
    p, c = primary.astype(np.float32), core(primary, companion)
    count, labels = cv2.connectedComponents((p < 0.5).astype(np.uint8), connectivity=4)
    edges = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    hole = np.ones(count, bool)
    hole[np.unique(edges)] = False
    hole[0] = False
    c[~hole[labels]] = 0.0
    return np.maximum(p, c)


def agreed(primary: np.ndarray, companion: np.ndarray) -> np.ndarray:
    """The primary's foreground parts that the companion is confident of somewhere: a part
    the primary alone believes in is dropped (the mirror of `fuse`'s touching rule)."""
    p = primary.astype(np.float32)
    c = upsample(companion.astype(np.float32), p.shape[::-1])
    count, labels = cv2.connectedComponents((p >= 0.5).astype(np.uint8))
    kept = np.zeros(count, bool)
    kept[np.unique(labels[(p >= 0.5) & (c >= 0.5)])] = True
    kept[0] = True  # the primary's own background and soft edges stay as they are
    return np.where(kept[labels], p, np.minimum(p, c))


def mostly_inside(primary: np.ndarray, companion: np.ndarray) -> np.ndarray:
    """The companion's confident regions that lie mostly (over half their area) inside the
    primary's foreground: holes and ragged edges filled, nothing new beside the object."""
    p = primary.astype(np.float32)
    c = core(p, companion)
    count, labels = cv2.connectedComponents((c >= 0.5).astype(np.uint8))
    area = np.bincount(labels.ravel(), minlength=count)
    inside = np.bincount(labels.ravel(), weights=(p >= 0.5).ravel(), minlength=count)
    kept = inside * 2 > area
    kept[0] = False
    c[~kept[labels]] = 0.0
    return np.maximum(p, c)


def agreed_touching(primary: np.ndarray, companion: np.ndarray) -> np.ndarray:
    return fuse(agreed(primary, companion), companion)


def flipped(d: Preds, name: str) -> np.ndarray:
    """The mean of a prediction and its mirrored photo's, mirrored back."""
    return (d[name].astype(np.float32) + d[f"{name}_flip"][:, ::-1].astype(np.float32)) / 2


def with_flips(isnet: bool, companion: bool) -> Variant:
    def make(d: Preds, size: tuple[int, int]) -> np.ndarray:
        p = flipped(d, "isnet768") if isnet else d["isnet768"].astype(np.float32)
        c = flipped(d, "u2net") if companion else d["u2net"].astype(np.float32)
        return ours_up(fuse(p, c), size)

    return make


def two_sizes(d: Preds) -> np.ndarray:
    """ISNet at 768 and at its own 1024, averaged at 768: an ensemble with nothing to fit."""
    small = d["isnet768"].astype(np.float32)
    return (small + upsample(d["isnet1024"].astype(np.float32), small.shape[::-1])) / 2


def lanczos_up(pred: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Lanczos in place of the cubic filter: a little sharper."""
    grown = cv2.resize(pred.astype(np.float32), size, interpolation=cv2.INTER_LANCZOS4)
    return to_uint8(np.clip(grown, 0.0, 1.0))


def _fused(
    name: str,
    rule: Callable[[np.ndarray, np.ndarray], np.ndarray],
    companion: str = "fast_area_lanczos",
    up: Callable[[np.ndarray, tuple[int, int]], np.ndarray] = ours_up,
) -> Variant:
    return lambda d, size: up(
        rule(d[name].astype(np.float32), d[companion].astype(np.float32)), size
    )


def mean(*names: str) -> Variant:
    """The plain average of several predictions: a fusion with nothing to fit."""
    return lambda d, size: ours_up(
        np.mean([upsample(d[n].astype(np.float32), d[names[0]].shape[::-1]) for n in names], 0),
        size,
    )


VARIANTS: dict[str, Variant] = {
    "rembg-fast": lambda d, size: rembg_up(d["fast_rembg"], size),
    "fast (shipped: area to 640, then Lanczos)": lambda d, size: ours_up(
        d["fast_area_lanczos"], size
    ),
    "fast, area in (before)": lambda d, size: ours_up(d["fast_area"], size),
    "fast, k x k blocks, then Lanczos": lambda d, size: ours_up(d["fast_blocks_lanczos"], size),
    "fast, PIL Lanczos in": lambda d, size: ours_up(d["fast_lanczos"], size),
    "rembg-precise": lambda d, size: rembg_up(d["isnet1024"], size),
    "U²-Net-p touching @768 (precise before)": _fused("isnet768", fuse),
    "ISNet@768 alone": lambda d, size: ours_up(d["isnet768"], size),
    "ISNet@1024 alone": lambda d, size: ours_up(d["isnet1024"], size),
    "ISNet@1024 with our input, alone": lambda d, size: ours_up(d["isnet1024_area"], size),
    "all of the core @768 (before)": _fused("isnet768", fuse_all, "fast_area"),
    "all of the core @1024": _fused("isnet1024", fuse_all),
    "touching @1024": _fused("isnet1024", fuse),
    "holes only @1024": _fused("isnet1024", fuse_holes),
    "U²-Net touching @768": _fused("isnet768", fuse, "u2net"),
    # The eval photos are all under 1024 px, so ISNet@1024's input is an enlargement either
    # way (Lanczos in rembg's input, cubic in ours): the rules below reuse rembg's.
    "U²-Net touching @1024": _fused("isnet1024", fuse, "u2net"),
    "U²-Net holes only @1024": _fused("isnet1024", fuse_holes, "u2net"),
    "U²-Net all of the core @1024": _fused("isnet1024", fuse_all, "u2net"),
    "mean of ISNet@1024 and U²-Net": mean("isnet1024", "u2net"),
    "mean of ISNet@768 and U²-Net": mean("isnet768", "u2net"),
    "mean of ISNet@768 and @1024": mean("isnet1024", "isnet768"),
    "U²-Net alone": lambda d, size: ours_up(d["u2net"], size),
    "ISNet@1024 alone, Lanczos up": lambda d, size: lanczos_up(d["isnet1024"], size),
    "U²-Net touching @768, Lanczos up": _fused("isnet768", fuse, "u2net", lanczos_up),
    "U²-Net touching @1024, Lanczos up": _fused("isnet1024", fuse, "u2net", lanczos_up),
    "U²-Net all of the core @768": _fused("isnet768", fuse_all, "u2net"),
    "U²-Net agreed parts @768": _fused("isnet768", agreed, "u2net"),
    "U²-Net mostly inside @1024": _fused("isnet1024", mostly_inside, "u2net"),
    "U²-Net mostly inside @768": _fused("isnet768", mostly_inside, "u2net"),
    "U²-Net touching @768, both flipped": with_flips(True, True),
    "U²-Net touching @768, ISNet flipped": with_flips(True, False),
    "U²-Net touching @768, U²-Net flipped": with_flips(False, True),
    "U²-Net agreed parts, touching @768": _fused("isnet768", agreed_touching, "u2net"),
    "U²-Net touching, ISNet@768+1024": lambda d, size: ours_up(
        fuse(two_sizes(d), d["u2net"].astype(np.float32)), size
    ),
}


def motion_blur(rgb: np.ndarray) -> np.ndarray:
    """A horizontal line blur 3 % of the long side long: a moving subject's smear.

    One fixed length and direction, from no data: about what a running subject leaves at
    1/60 s across a phone photo.
    """
    length = max(3, round(0.03 * max(rgb.shape[:2])))
    kernel = np.full((1, length), 1.0 / length, np.float32)
    return cv2.filter2D(rgb, -1, kernel, borderType=cv2.BORDER_REFLECT)


class Cached(dict[str, np.ndarray]):
    """One image's predictions, read from the cache; a missing one is computed when asked."""

    def __init__(
        self,
        path: Path,
        image: Path,
        sessions: tuple[ort.InferenceSession, ...],
        *,
        motion: bool = False,
    ):
        super().__init__()
        self.path, self.image, self.sessions, self.motion = path, image, sessions, motion
        self.made: dict[str, tuple[int, Callable[[], np.ndarray]]] | None = None
        self.dirty = False
        if path.exists():
            with np.load(path) as stored:
                self.update(stored)

    def __missing__(self, key: str) -> np.ndarray:
        if self.made is None:
            rgb = decode(self.image.read_bytes(), Limits()).rgb
            self.made = inputs(motion_blur(rgb) if self.motion else rgb)
        session, make = self.made[key]
        self[key] = value = predict(self.sessions[session], make())
        self.dirty = True
        return value

    def save(self) -> None:
        if self.dirty:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(self.path, **self)  # type: ignore[arg-type]  # numpy's stub types **kwds oddly


def score(
    eval_dir: Path,
    sets: list[str],
    limit: int | None,
    half: str,
    chosen: list[str],
    motion: bool = False,
) -> Table:
    options = session_options()
    sessions = tuple(
        ort.InferenceSession(
            str(MODELS_DIR / spec.filename), options, providers=["CPUExecutionProvider"]
        )
        for spec in (FAST, PRECISE, U2NET)
    )
    variants = {
        name: make
        for name, make in VARIANTS.items()
        if name.startswith("rembg") or not chosen or any(c in name for c in chosen)
    }
    shown = ["MAE", "IoU", "maxF", "S", *(["Grad"] if SOFT_SETS & set(sets) else [])]
    rows = []
    overall = {v: Scores() for v in variants}
    parity = HALVES[half]
    for name in sets:
        scores = {v: Scores(matting=name in SOFT_SETS) for v in variants}
        for index, pair in enumerate(pairs(eval_dir, name, limit)):
            if parity is not None and index % 2 != parity:
                continue
            folder = CACHE / "motion" / name if motion else CACHE / name
            preds = Cached(folder / f"{index}.npz", pair.image, sessions, motion=motion)
            with Image.open(pair.mask) as mask:
                gt = np.asarray(mask.convert("L"))
            for variant, make in variants.items():
                alpha = make(preds, gt.shape[::-1])
                scores[variant].add(alpha, gt)
                overall[variant].add(alpha, gt)
            preds.save()
        rows += _rows(name, scores, shown)
        print(f"{name}: done", file=sys.stderr, flush=True)
    rows += _rows(ALL, overall, shown)
    arrows = [f"{m} {'↓' if m in LOWER_IS_BETTER else '↑'}" for m in shown]
    columns = ["set", "variant", "n", *arrows, "worse than rembg beyond noise"]
    return Table(columns, rows, text_columns=2)


def _rows(name: str, scores: dict[str, Scores], shown: list[str]) -> list[list[str]]:
    rows = []
    for variant, result in scores.items():
        got = result.results()
        cells = [f"{got[m]:.4f}" if m in got else "-" for m in shown]
        peer = "rembg-fast" if variant.startswith("fast") else "rembg-precise"
        worse = "" if variant.startswith("rembg") else worse_names(result, scores[peer])
        rows.append([name, variant, str(result.count), *cells, worse])
    return rows


def worse_names(ours: Scores, peer: Scores) -> str:
    """The metrics on which `ours` is worse than its rembg peer beyond the 95 % interval."""
    return ", ".join(significantly_worse(ours, peer)) or "none"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_eval_argument(parser)
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--half", choices=list(HALVES), default="all")
    parser.add_argument(
        "--variants", default="", help="comma-separated parts of variant names (default: all)"
    )
    parser.add_argument("--motion", action="store_true", help="blur each photo along a line")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    assert set(METRICS) >= {"MAE", "IoU", "maxF", "S"}
    sets = args.sets.split(",")
    if eval_sets_missing(args.eval, sets):
        return 2
    chosen = [part for part in args.variants.split(",") if part]
    table = score(args.eval, sets, args.limit, args.half, chosen, args.motion)
    print(table.render(markdown=args.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
