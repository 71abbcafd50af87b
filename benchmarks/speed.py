"""Speed per stage and end to end, against raw ONNX Runtime inference and rembg on the same bytes.

    .venv/bin/python benchmarks/speed.py [--repeat N] [--sizes 1280x960,12mp] [--markdown]

Each figure is the median of N runs after one warm-up; ours, raw inference and rembg take
turns within each run so that a busy machine slows them alike. Ratios are medians of the
per-run ratios, so that each compares two measurements taken moments apart.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import onnxruntime as ort
from common import (
    MODELS_DIR,
    Table,
    machine,
    make_engine,
    photo,
    rembg_remove,
    rembg_session,
    session_options,
    verdict,
)
from PIL import Image

from services.engine import Engine
from services.engine.pipeline import STAGES, preprocess
from services.engine.registry import MODELS, ModelSpec


@dataclass(frozen=True)
class Size:
    key: str
    label: str
    width: int
    height: int
    repeat: int  # the default number of timed runs


SIZES = {
    "1280x960": Size("1280x960", "1280x960", 1280, 960, 15),
    "12mp": Size("12mp", "12 MP", 4000, 3000, 3),
}


@dataclass
class Runs:
    """Seconds per run: each stage of ours, ours end to end, raw inference and rembg."""

    stages: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STAGES})
    ours: list[float] = field(default_factory=list)
    raw: list[float] = field(default_factory=list)
    rembg: list[float] = field(default_factory=list)


Results = dict[tuple[str, str], Runs]  # by (size key, model)


def paired(numerators: list[float], denominators: list[float]) -> float:
    """The median of the per-run ratios."""
    return statistics.median(n / d for n, d in zip(numerators, denominators, strict=True))


def timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def raw_inference(model: str, data: bytes) -> Callable[[], object]:
    """`session.run` alone on the tensors our preprocessing makes, in sessions of our own.

    For precise that is ISNet at the photo's size and its companion U²-Net, as the engine
    runs both.
    """
    with Image.open(io.BytesIO(data)) as image:
        rgb = np.asarray(image.convert("RGB"))
    spec: ModelSpec | None = MODELS[model].for_photo(rgb.shape[1], rgb.shape[0])
    runs = []
    while spec is not None:
        session = ort.InferenceSession(
            str(MODELS_DIR / spec.filename),
            sess_options=session_options(arena=spec.keep_activations),
            providers=["CPUExecutionProvider"],
        )
        runs.append((session, {session.get_inputs()[0].name: preprocess(rgb, spec)}))
        spec = spec.companion
    return lambda: [session.run(None, feed) for session, feed in runs]


async def measure(engine: Engine, model: str, data: bytes, repeat: int) -> Runs:
    run_raw = raw_inference(model, data)
    peer = rembg_session(model)
    runs = Runs()
    for i in range(repeat + 1):  # the first run warms up and is not counted
        start = time.perf_counter()
        cutout = await engine.remove(data, model=model)
        ours = time.perf_counter() - start
        raw = await asyncio.to_thread(timed, run_raw)
        rembg = await asyncio.to_thread(timed, lambda: rembg_remove(data, peer))
        if i == 0:
            continue
        runs.ours.append(ours)
        runs.raw.append(raw)
        runs.rembg.append(rembg)
        for stage in STAGES:
            runs.stages[stage].append(cutout.timings.get(stage, 0.0))
    return runs


def row(size: Size, model: str, runs: Runs) -> list[str]:
    med = statistics.median
    ours, raw, rembg = med(runs.ours), med(runs.raw), med(runs.rembg)
    stages = [f"{med(runs.stages[s]):.3f}" for s in STAGES]
    return [
        size.label,
        model,
        str(len(runs.ours)),
        *stages,
        f"{ours:.3f}",
        f"{raw:.3f}",
        f"{paired(runs.ours, runs.raw):.2f}x",
        f"{rembg:.3f}",
        f"{paired(runs.rembg, runs.ours):.2f}x",
    ]


def goals(results: Results) -> Table:
    med = statistics.median
    rows: list[tuple[str, str, bool]] = []
    if fast := results.get(("1280x960", "fast")):
        ratio = paired(fast.ours, fast.raw)
        rows.append(("fast 1280x960: ours <= 1.15x raw inference", f"{ratio:.2f}x", ratio <= 1.15))
    if fast12 := results.get(("12mp", "fast")):
        p50 = med(fast12.ours)
        rows.append(("fast 12 MP: p50 <= 0.5 s end to end", f"{p50:.3f} s", p50 <= 0.5))
    for model, target in (("fast", 3.5), ("precise", 1.4)):
        if runs := results.get(("12mp", model)):
            ratio = paired(runs.rembg, runs.ours)
            rows.append(
                (f"{model} 12 MP: rembg/ours >= {target}x", f"{ratio:.2f}x", ratio >= target)
            )
    if precise := results.get(("1280x960", "precise")):
        p50 = med(precise.ours)
        spread = f"{p50:.2f} s (min {min(precise.ours):.2f}, max {max(precise.ours):.2f})"
        rows.append(("precise 1280x960: p50 <= 3.0 s", spread, p50 <= 3.0))
    return Table(
        ["goal", "measured", "result"],
        [[name, value, verdict(ok)] for name, value, ok in rows],
        text_columns=3,
    )


async def benchmark(sizes: list[Size], models: list[str], repeat: int | None) -> Results:
    engine = make_engine()
    results: Results = {}
    try:
        for size in sizes:
            data = await asyncio.to_thread(photo, size.width, size.height)
            for model in models:
                results[(size.key, model)] = await measure(
                    engine, model, data, repeat or size.repeat
                )
                print(f"{size.label} {model}: done", file=sys.stderr, flush=True)
    finally:
        engine.close()
    return results


def timings_table(results: Results) -> Table:
    header = ["size", "model", "n", *STAGES, "ours", "raw inf.", "ours/raw", "rembg", "rembg/ours"]
    rows = [row(SIZES[size], model, runs) for (size, model), runs in results.items()]
    return Table(header, rows, text_columns=2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=None, help="timed runs (default 15 / 3)")
    parser.add_argument("--sizes", default=",".join(SIZES), help="comma-separated")
    parser.add_argument("--models", default="fast,precise", help="comma-separated")
    parser.add_argument("--markdown", action="store_true", help="print markdown tables")
    args = parser.parse_args(argv)
    sizes = [SIZES[s.strip().lower()] for s in args.sizes.split(",")]
    models = [m.strip() for m in args.models.split(",")]
    print(f"machine: {machine()}")
    results = asyncio.run(benchmark(sizes, models, args.repeat))
    print(timings_table(results).render(markdown=args.markdown))
    print()
    print(goals(results).render(markdown=args.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
