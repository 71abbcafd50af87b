"""Peak memory and seconds of one record at sizes up to the pixel limit, each in a fresh process.

.venv/bin/python benchmarks/pixels.py [--sizes 4000x3000,...] [--models fast,precise]
    [--kinds png,jpeg] [--options default,mask+white] [--cold] [--markdown]

Each case runs in its own interpreter: the engine is loaded and warmed up on a small photo
with the same options (with --cold, only loaded: the record's figure then also holds the
memory ONNX Runtime's first run takes and glibc keeps for the next ones), then one record goes
through `Engine.remove`, as the server runs it.
"Peak" is the process's peak RSS during that record (VmHWM, reset through
/proc/self/clear_refs) minus its RSS just before: what one more record at once costs.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from common import SAMPLES_DIR, Table, machine, make_engine
from PIL import Image

from services.engine import Options
from services.engine.registry import MODELS

SIZES = ("4000x3000", "5664x4248", "6928x5196", "8000x6000", "8160x6120")  # 12 to 49.9 MP
KINDS = ("png", "jpeg")
OPTIONS = {
    "default": Options(),
    "mask+white": Options(binary_mask=True, white_background=True),
}
STATUS = Path("/proc/self/status")
Report = dict[str, float]


def flat_png(width: int, height: int) -> bytes:
    """A gradient with two flat shapes: a large picture in a small, highly compressible PNG."""
    y = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None]
    pixels = np.empty((height, width, 3), np.uint8)
    for channel, (top, bottom) in enumerate(((200, 120), (210, 150), (230, 190))):
        pixels[..., channel] = top + (bottom - top) * y
    side = min(width, height)
    cv2.circle(pixels, (width // 2, height // 2), side // 3, (220, 40, 40), -1, cv2.LINE_AA)
    corner = (width // 8, height // 8), (width // 4, height // 3)
    cv2.rectangle(pixels, *corner, (30, 60, 160), -1, cv2.LINE_AA)
    return _encoded(pixels, "PNG")


def photo_jpeg(width: int, height: int) -> bytes:
    """A sample photo upscaled to the size, with a little sensor-like noise, JPEG quality 90."""
    rgb = np.asarray(Image.open(SAMPLES_DIR / "astronaut.jpg").convert("RGB"))
    big = cv2.resize(rgb, (width, height), interpolation=cv2.INTER_CUBIC)
    noise = np.random.default_rng(0).normal(0.0, 4.0, (height, width, 1)).astype(np.int16)
    return _encoded(np.clip(big + noise, 0, 255).astype(np.uint8), "JPEG", quality=90)


def _encoded(pixels: np.ndarray, fmt: str, **params: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, fmt, **params)
    return buffer.getvalue()


def status_mb(field: str) -> float:
    """A VmRSS or VmHWM line of this process, in MB."""
    found = re.search(rf"^{field}:\s+(\d+) kB", STATUS.read_text(), re.MULTILINE)
    assert found is not None, field
    return int(found.group(1)) / 1024


async def one_record(path: str, model: str, options: str, warm: str) -> Report:
    """Warm the engine up, then measure one record of the image at `path`."""
    engine = make_engine()
    try:
        await engine.warm_up(model)
        if warm == "warm":
            small = (SAMPLES_DIR / "chelsea.jpg").read_bytes()
            await engine.remove(small, model=model, options=OPTIONS[options])
        with open(path, "rb") as file:  # noqa: ASYNC230 - before the measured record
            data = file.read()
        gc.collect()
        baseline = status_mb("VmRSS")
        with open("/proc/self/clear_refs", "w") as file:  # noqa: ASYNC230
            file.write("5")  # VmHWM := VmRSS
        started = time.perf_counter()
        await engine.remove(data, model=model, options=OPTIONS[options])
        seconds = time.perf_counter() - started
        peak = status_mb("VmHWM")
        return {"baseline": baseline, "peak": peak, "seconds": seconds}
    finally:
        engine.close()


def measure(path: Path, model: str, options: str, warm: str) -> Report:
    """Run one case in a fresh interpreter and read its report."""
    done = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            str(path),
            model,
            options,
            warm,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    report: Report = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(SIZES), help="comma-separated WxH")
    parser.add_argument("--kinds", default=",".join(KINDS), help="png (flat), jpeg (photo)")
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated")
    parser.add_argument("--options", default=",".join(OPTIONS), help="default, mask+white")
    parser.add_argument("--markdown", action="store_true", help="print a markdown table")
    parser.add_argument("--cold", action="store_true", help="no warm-up record")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(asyncio.run(one_record(*args.child))))
        return 0
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for kind in args.kinds.split(","):
            for size in args.sizes.split(","):
                width, height = (int(side) for side in size.split("x"))
                data = (flat_png if kind == "png" else photo_jpeg)(width, height)
                path = Path(scratch) / f"{kind}-{size}"
                path.write_bytes(data)
                for model in args.models.split(","):
                    for options in args.options.split(","):
                        report = measure(path, model, options, "cold" if args.cold else "warm")
                        rows.append(_row(kind, width, height, len(data), model, options, report))
                        print(" ".join(rows[-1]), file=sys.stderr, flush=True)
                path.unlink()
    header = [
        "input",
        "size",
        "model",
        "options",
        "input KB",
        "RSS before, MB",
        "record's peak over that, MB",
        "peak RSS, MB",
        "seconds",
    ]
    print(machine())
    print(Table(header, rows, text_columns=4).render(markdown=args.markdown))
    return 0


def _row(
    kind: str, width: int, height: int, size: int, model: str, options: str, report: Report
) -> list[str]:
    return [
        "flat PNG" if kind == "png" else "photo JPEG",
        f"{width}x{height} ({width * height / 1e6:.1f} MP)",
        model,
        options,
        f"{size / 1024:.0f}",
        f"{report['baseline']:.0f}",
        f"{report['peak'] - report['baseline']:.0f}",
        f"{report['peak']:.0f}",
        f"{report['seconds']:.2f}",
    ]


if __name__ == "__main__":
    sys.exit(main())
