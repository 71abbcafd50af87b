"""The embedded engine behind the contract's interface: the bot's default backend."""

from __future__ import annotations

import time

from ..engine import Cutout, Engine, ImageError, ImageTooLargeError, ModelError, Options
from .errors import ImageRejectedError, ServiceUnavailableError
from .result import RemoveBgResult
from .wire import Model, OutputOptions


class LocalBackend:
    """Runs the engine in this process; errors come out as the HTTP client's would."""

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
        cutout = await run_engine(self.engine, image, model, options or OutputOptions())
        return RemoveBgResult(
            image=cutout.image,
            image_format=cutout.image_format,
            width=cutout.width,
            height=cutout.height,
            model=model,
            mask=cutout.mask,
            white=cutout.white,
            processing_time=time.perf_counter() - started,
        )


async def run_engine(engine: Engine, image: bytes, model: Model, options: OutputOptions) -> Cutout:
    """`engine.remove` with the contract's options, raising the contract's errors."""
    try:
        return await engine.remove(image, model=model, options=engine_options(options))
    except ImageError as exc:
        code = 413 if isinstance(exc, ImageTooLargeError) else 400
        raise ImageRejectedError(str(exc), code) from exc
    except ModelError as exc:
        raise ServiceUnavailableError(str(exc).rstrip("."), 503) from exc


def engine_options(options: OutputOptions) -> Options:
    return Options(
        binary_mask=options.binary_mask,
        white_background=options.white_background,
        image_format=options.image_format,
        image_quality=options.image_quality,
    )
