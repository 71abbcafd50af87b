"""Looks composed again from a kept cut-out: no model runs, so anyone may compose one (the
engine for a redo, the bot for a backend that does not know our extensions)."""

from __future__ import annotations

import time

import numpy as np

from .decoder import Limits, decode
from .errors import BadOptionError
from .looks import apply, plan
from .pipeline import Cutout, Options, encode
from .workers import INLINE, Workers


class Composer:
    def __init__(self, limits: Limits | None = None, workers: Workers = INLINE) -> None:
        self._limits = limits or Limits()
        self._workers = workers

    def recompose(
        self, cutout: bytes, original: bytes | None, options: Options, *, model: str = ""
    ) -> Cutout:
        """`options` applied to a transparent cut-out; a blurred background also needs the
        `original` photo, of the same size. Runs in the calling thread."""
        started = time.perf_counter()
        decoded = decode(cutout, self._limits)
        alpha = decoded.alpha
        if alpha is None:
            alpha = np.full(decoded.rgb.shape[:2], 255, np.uint8)
        photo = None
        if options.look.needs_original:
            if original is None:
                raise BadOptionError("A blurred background needs the original photo.")
            photo = decode(original, self._limits).rgb
            if photo.shape[:2] != alpha.shape:
                raise BadOptionError("The original photo and the cut-out differ in size.")
        decoding = time.perf_counter() - started
        planned = plan(
            options.look, alpha, original=photo, limits=self._limits, workers=self._workers
        )
        framed = apply(planned, decoded.rgb, alpha, workers=self._workers)
        composing = time.perf_counter() - started - decoding
        result = encode(framed, model, options, self._workers)
        result.timings = {
            "decode": decoding,
            "postprocess": composing,
            "encode": time.perf_counter() - started - decoding - composing,
        }
        return result
