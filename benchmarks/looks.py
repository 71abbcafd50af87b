"""A new look on a kept cut-out: the time the bot takes for a redo of the background or crop.

    .venv/bin/python benchmarks/looks.py [--repeat N] [--sizes 1280x960,12mp] [--markdown]

One fast cut-out is made per size (the kept PNG); each look is then composed from it with
`Composer.recompose`, as the bot does for 🎨 New background and ✂️ New crop: decode the kept
PNG (and the original, for a blur), compose, encode. Median of N runs after one warm-up.
Goal: under 1 s at 12 MP.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time

from common import Table, machine, make_engine, photo, verdict

from services.engine import Options
from services.engine.backgrounds import Blur, Colour, Photo
from services.engine.composer import Composer
from services.engine.crops import Crop
from services.engine.looks import Look
from services.engine.pipeline import ImageFormat
from services.engine.workers import Workers

SIZES = {"1280x960": (1280, 960), "12mp": (4000, 3000)}
GOAL_SECONDS = 1.0


def looks(background_photo: bytes) -> dict[str, tuple[Look, ImageFormat]]:
    """Each look, with the output format the bot would send it in."""
    return {
        "colour, PNG": (Look(background=Colour((229, 57, 53))), "png"),
        "colour, JPG": (Look(background=Colour((229, 57, 53))), "jpg"),
        "blur, JPG": (Look(background=Blur()), "jpg"),
        "photo, JPG": (Look(background=Photo(background_photo)), "jpg"),
        "square crop, PNG": (Look(crop=Crop("square", 5)), "png"),
        "colour + 9:16, JPG": (Look(Colour((0, 0, 0)), Crop("9:16", 5)), "jpg"),
    }


async def kept_cutout(data: bytes) -> bytes:
    engine = make_engine()
    try:
        return (await engine.remove(data, model="fast")).image
    finally:
        engine.close()


def measure(
    composer: Composer, cutout: bytes, original: bytes, look: Look, fmt: ImageFormat, n: int
) -> float:
    options = Options(image_format=fmt, look=look)
    runs = []
    for i in range(n + 1):
        start = time.perf_counter()
        composer.recompose(cutout, original, options)
        if i:
            runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sizes", default=",".join(SIZES))
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    print(machine(), file=sys.stderr)
    workers = Workers(2)
    composer = Composer(workers=workers)
    rows, goals = [], []
    for key in args.sizes.split(","):
        width, height = SIZES[key]
        original = photo(width, height)
        cutout = asyncio.run(kept_cutout(original))
        backdrop = photo(width, height, sample="coffee.jpg")
        for name, (look, fmt) in looks(backdrop).items():
            seconds = measure(composer, cutout, original, look, fmt, args.repeat)
            rows.append([key, name, f"{seconds:.3f}"])
            if key == "12mp":
                ok = seconds <= GOAL_SECONDS
                goals.append(
                    [f"12 MP, {name}: <= {GOAL_SECONDS:g} s", f"{seconds:.3f} s", verdict(ok)]
                )
        print(f"{key}: done", file=sys.stderr, flush=True)
    workers.close()
    print(Table(["size", "look", "seconds"], rows, text_columns=2).render(markdown=args.markdown))
    if goals:
        print()
        table = Table(["goal", "measured", "result"], goals)
        print(table.render(markdown=args.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
