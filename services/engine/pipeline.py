"""One image through one model, stage by stage, in the calling thread."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Literal

import cv2
import numpy as np
import onnxruntime as ort

from . import encoder
from .decoder import Limits, decode
from .errors import ModelUnavailableError
from .looks import Framed, Look, apply, plan
from .matting import estimate_foreground, fuse, normalise, to_uint8, upsample
from .registry import ModelSpec, Shrink
from .sessions import Sessions
from .shrink import area
from .stripes import stripes
from .workers import Workers

# The contract's formats (services/contract/wire.py), restated because the engine core imports
# nothing else of the project; tests/test_wire.py keeps them equal.
ImageFormat = Literal["png", "jpg", "webp"]
STAGES = ("decode", "preprocess", "inference", "postprocess", "encode")


@dataclass(frozen=True)
class Options:
    """The contract's output options."""

    binary_mask: bool = False
    white_background: bool = False
    image_format: ImageFormat | None = None
    image_quality: int = 85
    look: Look = Look()  # our extension: a background and a crop


@dataclass
class Cutout:
    image: bytes
    image_format: ImageFormat
    width: int
    height: int
    model: str
    mask: bytes | None = None
    white: bytes | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())


class Pipeline:
    def __init__(self, sessions: Sessions, limits: Limits, workers: Workers) -> None:
        self._sessions = sessions
        self._limits = limits
        self._workers = workers

    def run(self, data: bytes, spec: ModelSpec, options: Options) -> Cutout:
        timings: dict[str, float] = {}
        stage = _Stopwatch(timings)
        with stage("decode"):
            decoded = decode(data, self._limits)
        models = [spec.for_photo(*decoded.size)]
        if spec.companion is not None:
            models.append(spec.companion)
        sessions = [self._sessions.get(model) for model in models]
        models = [_fit(model, session) for model, session in zip(models, sessions, strict=True)]
        with stage("preprocess"):
            tensors = [preprocess(decoded.rgb, model) for model in models]
        with stage("inference"):
            outputs = [
                _infer(model, session, tensor)
                for model, session, tensor in zip(models, sessions, tensors, strict=True)
            ]
        with stage("postprocess"):
            predictions = [normalise(output) for output in outputs]
            if len(predictions) == 2:
                predictions[0] = fuse(*predictions)
            alpha = upsample(predictions[0], decoded.size)
            if decoded.alpha is not None:
                _times_alpha(alpha, decoded.alpha)
            alpha8 = to_uint8(alpha)
            planned = plan(
                options.look,
                alpha8,
                original=decoded.rgb,  # read for a blurred background only
                limits=self._limits,
                workers=self._workers,
            )
            foreground = estimate_foreground(
                decoded.rgb,
                alpha,
                side=spec.matting_side,
                workers=self._workers,
                in_place=True,
                alpha8=alpha8,
            )
            del decoded, alpha  # the float alpha (4 bytes a pixel) and the input: not needed now
            framed = apply(planned, foreground, alpha8, workers=self._workers)
        with stage("encode"):
            cutout = encode(framed, spec.name, options, self._workers)
        cutout.timings = timings
        return cutout


def _times_alpha(alpha: np.ndarray, alpha8: np.ndarray) -> None:
    """alpha *= alpha8 / 255, in place and stripe by stripe: no whole-image float copy."""
    for rows in stripes(*alpha.shape):
        alpha[rows] *= alpha8[rows].astype(np.float32) * (1.0 / 255.0)


def _fit(spec: ModelSpec, session: ort.InferenceSession) -> ModelSpec:
    """A model file with a fixed input size (an operator's own weights) runs at that size."""
    side = session.get_inputs()[0].shape[2]
    return replace(spec, input_size=side) if isinstance(side, int) else spec


def _infer(spec: ModelSpec, session: ort.InferenceSession, tensor: np.ndarray) -> np.ndarray:
    """The model's (h, w) prediction; a failing model file is a ModelUnavailableError."""
    try:
        outputs = session.run(None, {session.get_inputs()[0].name: tensor})
        return np.asarray(outputs[spec.output_index])[0, 0]
    except Exception as exc:  # ORT's errors derive from Exception only
        raise ModelUnavailableError(spec.name, f"inference failed: {exc}") from exc


def preprocess(rgb: np.ndarray, spec: ModelSpec) -> np.ndarray:
    """Resize to the model's square input and normalise to NCHW float32."""
    resized = square(rgb, spec.input_size, spec.shrink)
    scale = 1.0 / (255.0 * np.asarray(spec.std, dtype=np.float32))
    shift = np.asarray(spec.mean, dtype=np.float32) / np.asarray(spec.std, dtype=np.float32)
    tensor = np.empty((1, 3, *resized.shape[:2]), np.float32)
    for channel, plane in enumerate(cv2.split(resized)):  # plane by plane: 10x quicker
        np.multiply(plane, scale[channel], out=tensor[0, channel], dtype=np.float32)
        tensor[0, channel] -= shift[channel]
    return tensor


def square(rgb: np.ndarray, side: int, shrink: Shrink) -> np.ndarray:
    """The image as a side x side square.

    "area" averages the pixels each input pixel covers (cubic when enlarging). "area-lanczos"
    averages only down to twice the side, then takes the last step with a Lanczos filter,
    which keeps edges sharper for about a millisecond more.
    """
    pixels = rgb.shape[0] * rgb.shape[1]
    if shrink == "area":
        if pixels > side * side:
            return area(rgb, (side, side))
        return cv2.resize(rgb, (side, side), interpolation=cv2.INTER_CUBIC)
    twice = 2 * side
    if pixels > twice * twice:
        rgb = area(rgb, (twice, twice))
    return cv2.resize(rgb, (side, side), interpolation=cv2.INTER_LANCZOS4)


def encode(framed: Framed, model: str, options: Options, workers: Workers) -> Cutout:
    fg, alpha = framed.foreground, framed.alpha
    fmt: ImageFormat = options.image_format or "png"
    quality = options.image_quality
    white = None
    if (fmt == "jpg" and framed.image is None) or options.white_background:
        white = encoder.white_jpeg(fg, alpha, quality=quality, workers=workers)
    if framed.image is not None:
        image = encoder.opaque(framed.image, fmt=fmt, quality=quality, workers=workers)
    elif fmt == "jpg" and white is not None:
        image = white
    else:
        image = encoder.cutout(fg, alpha, fmt=fmt, quality=quality, workers=workers)
    height, width = alpha.shape
    return Cutout(
        image=image,
        image_format=fmt,
        width=width,
        height=height,
        model=model,
        mask=encoder.jpeg(alpha, quality=quality) if options.binary_mask else None,
        white=white if options.white_background else None,
    )


class _Stopwatch:
    def __init__(self, timings: dict[str, float]) -> None:
        self._timings = timings

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self._timings[name] = self._timings.get(name, 0.0) + time.perf_counter() - start
