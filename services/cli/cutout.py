"""`removebg INPUT... -o OUTDIR`: cut out the background of files and folders."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Iterable
from pathlib import Path

from tqdm import tqdm

from ..config import Settings
from ..contract.wire import IMAGE_FORMATS, MODELS
from ..engine import BadOptionError, Cutout, Engine, ImageError, ModelError, Options
from ..engine.allocator import restart_with_huge_pages
from ..engine.backgrounds import Background, Blur, Colour, Photo
from ..engine.crops import Crop
from ..engine.looks import Look
from ..factory import build_engine

HIDDEN = (".", "_")


def collect(inputs: Iterable[Path]) -> list[Path]:
    """Files named directly, plus every non-hidden file inside named folders, sorted."""
    found: list[Path] = []
    for path in inputs:
        if path.is_dir():
            found += sorted(
                p for p in path.rglob("*") if p.is_file() and not p.name.startswith(HIDDEN)
            )
        else:
            found.append(path)
    return found


class Namer:
    """Output paths that never overwrite an input nor each other."""

    def __init__(self, outdir: Path, inputs: list[Path]) -> None:
        self._outdir = outdir
        self._taken = {p.resolve() for p in inputs}

    def __call__(self, source: Path, suffix: str) -> Path:
        stem, ext = suffix.rsplit(".", 1)
        candidate = self._outdir / f"{source.stem}{stem}.{ext}"
        n = 1
        while candidate.resolve() in self._taken:
            n += 1
            candidate = self._outdir / f"{source.stem}{stem}-{n}.{ext}"
        self._taken.add(candidate.resolve())
        return candidate


def write(cutout: Cutout, source: Path, name: Namer) -> list[Path]:
    outputs = [(f".{cutout.image_format}", cutout.image)]
    outputs += [(s, b) for s, b in (("_mask.jpg", cutout.mask), ("_white.jpg", cutout.white)) if b]
    written = []
    for suffix, data in outputs:
        path = name(source, suffix)
        path.write_bytes(data)
        written.append(path)
    return written


async def run(
    engine: Engine, files: list[Path], outdir: Path, model: str, options: Options
) -> int:
    await asyncio.to_thread(outdir.mkdir, parents=True, exist_ok=True)
    name = Namer(outdir, files)
    failed = 0
    bar = tqdm(files, unit="image", disable=len(files) < 2)
    for source in bar:
        try:
            data = await asyncio.to_thread(source.read_bytes)
            cutout = await engine.remove(data, model=model, options=options)
        except (ImageError, OSError) as exc:
            failed += 1
            bar.write(f"skipped {source}: {exc}", file=sys.stderr)
            continue
        written = await asyncio.to_thread(write, cutout, source, name)
        bar.write(f"{source} -> {', '.join(map(str, written))} ({cutout.seconds:.2f} s)")
    if failed:
        print(f"{failed} of {len(files)} files failed", file=sys.stderr)
    return 1 if failed else 0


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="removebg", description=__doc__)
    parser.add_argument("inputs", nargs="+", type=Path, metavar="INPUT")
    parser.add_argument("-o", "--outdir", type=Path, default=Path("cutouts"))
    parser.add_argument("--model", choices=MODELS, default="fast")
    parser.add_argument("--mask", action="store_true", help="also write NAME_mask.jpg")
    parser.add_argument("--white-bg", action="store_true", help="also write NAME_white.jpg")
    parser.add_argument("--format", choices=IMAGE_FORMATS, default="png")
    parser.add_argument("--quality", type=int, default=85, choices=range(1, 101), metavar="N")
    parser.add_argument(
        "--bg",
        metavar="COLOR|PATH|blur",
        help="a background: #RRGGBB, an image file (scaled to cover), or blur (the photo's own)",
    )
    parser.add_argument(
        "--crop",
        metavar="SHAPE",
        help="crop around the subject: subject, square, 4:5, 9:16, original or WxH",
    )
    parser.add_argument(
        "--margin", type=float, default=0.0, metavar="PCT", help="crop margin, percent"
    )
    return parser.parse_args(argv)


def look_of(args: argparse.Namespace) -> Look:
    """The look the flags ask for; a bad value is a BadOptionError, a missing file an OSError."""
    background: Background | None = None
    if args.bg == "blur":
        background = Blur()
    elif args.bg and args.bg.startswith("#"):
        background = Colour.parse(args.bg)
    elif args.bg:
        background = Photo(Path(args.bg).read_bytes())
    crop = Crop(args.crop, margin=args.margin) if args.crop else None
    return Look(background=background, crop=crop)


def main(argv: list[str] | None = None) -> int:
    if argv is None:  # the real command line, not a call from Python
        restart_with_huge_pages()
    args = parse(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    settings = Settings()
    files = collect(args.inputs)
    if not files:
        print("no input files found", file=sys.stderr)
        return 2
    try:
        look = look_of(args)
    except (BadOptionError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    options = Options(
        binary_mask=args.mask,
        white_background=args.white_bg,
        image_format=args.format,
        image_quality=args.quality,
        look=look,
    )
    engine = build_engine(settings.engine)
    try:
        return asyncio.run(run(engine, files, args.outdir, args.model, options))
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.close()


if __name__ == "__main__":
    sys.exit(main())
