"""The embedded engine as a backend, and the one place engine errors get the contract's codes."""

from __future__ import annotations

import time

from ..engine import (
    BadOptionError,
    Cutout,
    Engine,
    EngineError,
    ImageError,
    ImageTooLargeError,
    Options,
)
from ..engine.backgrounds import Background, Blur, Colour
from ..engine.crops import Crop
from ..engine.looks import Look
from .backend import RemoveBgResult
from .errors import ImageRejectedError, RemoveBgError, ServiceUnavailableError
from .wire import Model, OutputOptions


class LocalBackend:
    """Runs the engine in this process; its errors are a backend's, as the HTTP client's are."""

    def __init__(self, engine: Engine, *, warm_up: tuple[Model, ...] = ()) -> None:
        self.engine = engine
        self._warm_up = warm_up

    async def initialize(self) -> None:
        await self.engine.warm_up(*self._warm_up)

    async def shutdown(self) -> None:
        self.engine.close()

    async def remove(
        self, image: bytes, *, model: Model, options: OutputOptions | None = None
    ) -> RemoveBgResult:
        started = time.perf_counter()
        try:
            cutout = await cut_out(self.engine, image, model, options or OutputOptions())
        except EngineError as exc:
            raise backend_error(exc) from exc
        return result_of(cutout, model, seconds=time.perf_counter() - started)


async def cut_out(engine: Engine, image: bytes, model: Model, options: OutputOptions) -> Cutout:
    """`engine.remove` with the contract's options."""
    return await engine.remove(image, model=model, options=engine_options(options))


def result_of(cutout: Cutout, model: Model, *, seconds: float) -> RemoveBgResult:
    """An engine's cut-out as a backend's result, `seconds` in the making."""
    return RemoveBgResult(
        image=cutout.image,
        image_format=cutout.image_format,
        width=cutout.width,
        height=cutout.height,
        model=model,
        mask=cutout.mask,
        white=cutout.white,
        processing_time=seconds,
    )


def engine_options(options: OutputOptions) -> Options:
    return Options(
        binary_mask=options.binary_mask,
        white_background=options.white_background,
        image_format=options.image_format,
        image_quality=options.image_quality,
        look=Look(background=_background(options), crop=_crop(options)),
    )


def _background(options: OutputOptions) -> Background | None:
    if options.background_color is not None:
        return Colour.parse(options.background_color)
    return Blur() if options.background_blur else None


def _crop(options: OutputOptions) -> Crop | None:
    if options.crop is None:
        return None
    return Crop(options.crop, margin=options.crop_margin or 0.0)


def status_code(error: EngineError) -> int:
    """The contract's code for an engine error: the image's fault is a 4XX, the model's a 503."""
    if isinstance(error, ImageTooLargeError):
        return 413
    return 400 if isinstance(error, ImageError | BadOptionError) else 503


def backend_error(error: EngineError) -> RemoveBgError:
    code = status_code(error)
    if code < 500:
        return ImageRejectedError(str(error), code)
    return ServiceUnavailableError(str(error).rstrip("."), code)
