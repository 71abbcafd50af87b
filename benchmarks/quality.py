"""Cut-out quality on the ground-truth eval sets: our engine against rembg on the same weights.

    .venv/bin/python benchmarks/quality.py --eval DIR [--sets a,b] [--limit N] [--half even|odd]
                                           [--models fast,precise,...] [--markdown]

DIR holds one folder per set, each with a manifest.csv of image and mask paths; the sets are
read in place and never copied (`make bench-quality EVAL_DIR=...` passes the folder).
`--sets` may name any set folder in DIR (default: the four of SETS).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from common import (
    Table,
    add_eval_argument,
    alpha_of,
    eval_sets_missing,
    make_engine,
    rembg_remove,
    rembg_session,
    verdict,
)
from metrics import MATTING, METRICS, Scores, better_or_equal, significantly_worse
from PIL import Image

from services.engine import Engine

SETS = ("sod_bsds300", "ccp_person", "weizmann_horses", "alphamatting_train_lowres")
SOFT_SETS = frozenset({"alphamatting_train_lowres"})
MODELS = ("fast", "precise", "rembg-fast", "rembg-precise")
ALL = "overall"
HALVES = {"all": None, "even": 0, "odd": 1}  # choose on one half of each set, confirm on the other

Predict = Callable[[bytes], Awaitable[np.ndarray]]


@dataclass(frozen=True)
class Pair:
    image: Path
    mask: Path


def pairs(eval_dir: Path, name: str, limit: int | None, half: str = "all") -> list[Pair]:
    """The first `limit` pairs of a set, in its manifest's order; of them, every other one
    from the first (`even`) or the second (`odd`) when `half` says so."""
    root = eval_dir / name
    with open(root / "manifest.csv", newline="") as f:
        rows = list(csv.DictReader(f))[:limit]
    parity = HALVES[half]
    kept = rows if parity is None else rows[parity::2]
    return [Pair(root / row["image"], root / row["mask"]) for row in kept]


def read_pair(pair: Pair) -> tuple[bytes, np.ndarray]:
    with Image.open(pair.mask) as mask:
        return pair.image.read_bytes(), np.asarray(mask.convert("L"))


def predictor(model: str, engine: Engine) -> Predict:
    """An async `bytes -> alpha (h, w) uint8` for one of MODELS."""
    if model.startswith("rembg-"):
        session = rembg_session(model.removeprefix("rembg-"))

        async def peer(data: bytes) -> np.ndarray:
            return alpha_of(await asyncio.to_thread(rembg_remove, data, session))

        return peer

    async def ours(data: bytes) -> np.ndarray:
        cutout = await engine.remove(data, model=model)
        return await asyncio.to_thread(alpha_of, cutout.image)

    return ours


async def evaluate(
    eval_dir: Path, sets: list[str], models: list[str], limit: int | None, half: str = "all"
) -> dict[str, dict[str, Scores]]:
    """scores[model][set or ALL]; the models take turns on each image."""
    engine = make_engine()
    predictors = {model: predictor(model, engine) for model in models}
    scores = {m: {ALL: Scores()} for m in models}
    try:
        for name in sets:
            started = time.perf_counter()
            todo = await asyncio.to_thread(pairs, eval_dir, name, limit, half)
            for model in models:
                scores[model][name] = Scores(matting=name in SOFT_SETS)
            for pair in todo:
                data, gt = await asyncio.to_thread(read_pair, pair)
                for model, predict in predictors.items():
                    alpha = await predict(data)
                    scores[model][name].add(alpha, gt)
                    scores[model][ALL].add(alpha, gt)
            seconds = time.perf_counter() - started
            print(f"{name}: {len(todo)} images in {seconds:.0f} s", file=sys.stderr, flush=True)
    finally:
        engine.close()
    return scores


def results_table(scores: dict[str, dict[str, Scores]], sets: list[str]) -> Table:
    rows = []
    for name in (*sets, ALL):
        for model, by_set in scores.items():
            result = by_set[name].results()
            cells = [f"{result[m]:.4f}" if m in result else "-" for m in METRICS]
            rows.append([name, model, str(by_set[name].count), *cells])
    arrows = [f"{m} {'↓' if m in ('MAE', *MATTING) else '↑'}" for m in METRICS]
    return Table(["set", "model", "n", *arrows], rows, text_columns=2)


def goals_table(scores: dict[str, dict[str, Scores]], sets: list[str]) -> Table:
    """Each of ours >= rembg on the same weights, and precise >= fast, on every set.

    "worse" lists every metric that is lower at all (a gap in the fifth decimal counts);
    "worse beyond noise" those whose 95 % paired-bootstrap interval of the gap lies wholly on
    the losing side. The goal is met when nothing is worse beyond noise.
    """
    pairs_to_check = [
        ("fast", "rembg-fast"),
        ("precise", "rembg-precise"),
        ("precise", "fast"),
    ]
    rows = []
    for ours, other in pairs_to_check:
        if ours not in scores or other not in scores:
            continue
        for name in sets:
            mine, theirs = scores[ours][name], scores[other][name]
            worse = better_or_equal(mine.results(), theirs.results())
            beyond = significantly_worse(mine, theirs) if worse else {}
            strict = "equal or better" if not worse else "worse on some"
            rows.append(
                [
                    f"{ours} >= {other}",
                    name,
                    verdict(not beyond),
                    strict,
                    "; ".join(worse),
                    "; ".join(
                        f"{metric} {gap:+.5f} [{low:+.5f}, {high:+.5f}]"
                        for metric, (gap, low, high) in beyond.items()
                    ),
                ]
            )
    return Table(
        ["goal", "set", "result", "strictly", "worse", "worse beyond noise (95 % CI)"],
        rows,
        text_columns=6,
    )


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_eval_argument(parser)
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated set folders")
    parser.add_argument("--limit", type=int, default=None, help="images per set (default: all)")
    parser.add_argument("--half", choices=list(HALVES), default="all", help="every other image")
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated")
    parser.add_argument("--markdown", action="store_true", help="print markdown tables")
    args = parser.parse_args(argv)
    args.sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    args.models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = set(args.models) - set(MODELS)
    if unknown:
        parser.error(f"unknown models {sorted(unknown)}; choose from {', '.join(MODELS)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if eval_sets_missing(args.eval, args.sets):
        return 2
    scores = asyncio.run(evaluate(args.eval, args.sets, args.models, args.limit, args.half))
    print(results_table(scores, args.sets).render(markdown=args.markdown))
    print()
    goals = goals_table(scores, args.sets)
    if goals.rows:
        print(goals.render(markdown=args.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
