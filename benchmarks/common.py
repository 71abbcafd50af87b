"""Shared by the benchmark scripts: the engine, the rembg peer on our weights, photos, tables."""

from __future__ import annotations

import argparse
import io
import os
import platform
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import onnxruntime as ort
from PIL import Image

from services.engine import Engine
from services.engine.allocator import huge_pages_on, restart_with_huge_pages
from services.engine.registry import MODELS
from services.engine.sessions import session_options as engine_session_options

ROOT = Path(__file__).resolve().parent.parent
MODELS_DIR = ROOT / "models"
SAMPLES_DIR = ROOT / "samples"
THREADS = 2

# Our model name -> the rembg session that runs the same weights file from MODELS_DIR.
REMBG_NAMES = {"fast": "u2netp", "precise": "isnet-general-use"}

# Measure the process as the entry points run it (and rembg in the same conditions).
restart_with_huge_pages()


def add_eval_argument(parser: argparse.ArgumentParser) -> None:
    """`--eval DIR`: the folder of ground-truth sets, read in place and never copied."""
    parser.add_argument(
        "--eval",
        type=Path,
        metavar="DIR",
        help="the folder holding the eval sets, one folder per set",
    )


def eval_sets_missing(eval_dir: Path | None, sets: Iterable[str]) -> bool:
    """True, after a one-line error on stderr, unless each of `sets` is a folder in eval_dir."""
    wanted = list(sets)
    if eval_dir is None:
        problem = f"pass --eval DIR, the folder that holds the eval sets {', '.join(wanted)}"
    elif absent := [name for name in wanted if not (eval_dir / name).is_dir()]:
        problem = f"--eval {eval_dir}: no eval set {', '.join(absent)} in that folder"
    else:
        return False
    print(f"error: {problem}", file=sys.stderr)
    return True


def make_engine() -> Engine:
    """The engine as the bot runs it: 2 intra-op threads, one image at a time."""
    return Engine(MODELS_DIR, threads=THREADS)


def session_options(*, arena: bool = False) -> ort.SessionOptions:
    """The engine's own ONNX Runtime options (services/engine/sessions.py)."""
    return engine_session_options(THREADS, arena=arena)


def rembg_session(model: str) -> Any:
    """rembg's session for our model `fast` or `precise`, reading our own weights file.

    `rembg.new_session(name)` builds its own SessionOptions and cannot take ours (a
    `sess_opts=` keyword collides with its positional one), so this does what it does,
    `sessions[name](name, sess_opts)`, with the engine's options instead.
    """
    _point_rembg_at_our_models()
    from rembg.sessions import sessions

    name = REMBG_NAMES[model]
    return sessions[name](name, session_options(arena=MODELS[model].keep_activations))


def rembg_remove(data: bytes, session: Any) -> bytes:
    """rembg's cut-out of encoded image bytes, as an RGBA PNG."""
    _point_rembg_at_our_models()
    from rembg import remove

    result = remove(data, session=session)
    assert isinstance(result, bytes)
    return result


def _point_rembg_at_our_models() -> None:
    """Set before rembg is first imported: it reads them to find and check its weights."""
    os.environ["U2NET_HOME"] = str(MODELS_DIR)
    os.environ["MODEL_CHECKSUM_DISABLED"] = "1"


def alpha_of(png: bytes) -> np.ndarray:
    """The alpha channel of an encoded cut-out, (h, w) uint8."""
    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image.convert("RGBA"))[..., 3].copy()


def photo(width: int, height: int, *, sample: str = "astronaut.jpg", quality: int = 90) -> bytes:
    """A sample photo centre-cropped to the aspect ratio, upscaled, as JPEG bytes in memory."""
    rgb = np.asarray(Image.open(SAMPLES_DIR / sample).convert("RGB"))
    h, w = rgb.shape[:2]
    if w * height > h * width:
        crop = h * width // height
        rgb = rgb[:, (w - crop) // 2 : (w - crop) // 2 + crop]
    else:
        crop = w * height // width
        rgb = rgb[(h - crop) // 2 : (h - crop) // 2 + crop]
    big = cv2.resize(rgb, (width, height), interpolation=cv2.INTER_CUBIC)
    buffer = io.BytesIO()
    Image.fromarray(big).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def machine() -> str:
    """`<cores> cores, <CPU model>, <OS>, huge pages on|off` for the record."""
    model = platform.processor() or "unknown CPU"
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        model = next(
            (line.split(":", 1)[1].strip() for line in lscpu.splitlines() if "Model name" in line),
            model,
        )
    except OSError:
        pass
    system = f"{platform.system()} {platform.release()}"
    pages = "on" if huge_pages_on() else "off"
    return f"{os.cpu_count()} cores, {model}, {system}, huge pages {pages}"


@dataclass(frozen=True)
class Table:
    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    text_columns: int = 1  # the leading columns that are text, aligned left

    def render(self, *, markdown: bool) -> str:
        return _markdown(self) if markdown else _plain(self)


def _plain(table: Table) -> str:
    cells = [list(table.header), *[list(r) for r in table.rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(table.header))]
    lines = []
    for row in cells:
        aligned = [
            cell.ljust(width) if i < table.text_columns else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(aligned).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _markdown(table: Table) -> str:
    left = min(table.text_columns, len(table.header))
    align = ["---"] * left + ["---:"] * (len(table.header) - left)
    rows = [table.header, align, *table.rows]
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"
