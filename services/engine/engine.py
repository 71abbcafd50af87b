"""The async face of the engine: bounded worker threads around the pipeline."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from .decoder import Limits
from .errors import UnknownModelError
from .pipeline import Cutout, Options, Pipeline
from .registry import MODELS, ModelSpec
from .sessions import Sessions
from .weights import WeightsDir
from .workers import Workers

T = TypeVar("T")


class Engine:
    """`await engine.remove(image, model="fast", options=Options())` from any coroutine.

    At most `concurrency` images are processed at once, each on one of the engine's own
    threads, so the event loop's default executor stays free for other work; the rest wait
    their turn.
    """

    def __init__(
        self,
        models_dir: Path,
        *,
        threads: int = 2,
        concurrency: int = 1,
        limits: Limits | None = None,
        models: Mapping[str, ModelSpec] = MODELS,
        providers: Sequence[str] = ("cpu",),
    ) -> None:
        self.weights = WeightsDir(models_dir)
        self._models = dict(models)
        self._sessions = Sessions(self.weights, threads=threads, providers=providers)
        self._workers = Workers(threads)
        self._pipeline = Pipeline(self._sessions, limits or Limits(), self._workers)
        self._slots = asyncio.Semaphore(concurrency)
        self._jobs = ThreadPoolExecutor(max(1, concurrency), thread_name_prefix="engine-job")

    @property
    def models(self) -> list[str]:
        return list(self._models)

    def spec(self, name: str) -> ModelSpec:
        try:
            return self._models[name]
        except KeyError:
            raise UnknownModelError(name, sorted(self._models)) from None

    async def remove(self, image: bytes, *, model: str, options: Options | None = None) -> Cutout:
        spec = self.spec(model)
        async with self._slots:
            return await self._on_job_thread(self._pipeline.run, image, spec, options or Options())

    async def warm_up(self, *names: str) -> None:
        """Load the sessions now rather than on the first request.

        ORT holds the GIL while it builds a session, so a service should warm up at start-up.
        """
        for name in names or self.models:
            spec: ModelSpec | None = self.spec(name)
            while spec is not None:
                await self._on_job_thread(self._sessions.get, spec)
                spec = spec.companion

    async def _on_job_thread(self, call: Callable[..., T], *args: Any) -> T:
        """Run `call` on a job thread; a cancelled caller still waits for the thread to end,
        so that a slot is never free while its job runs on."""
        job = asyncio.get_running_loop().run_in_executor(self._jobs, call, *args)
        try:
            return await asyncio.shield(job)
        except asyncio.CancelledError:
            await asyncio.wait([job])
            raise
        finally:
            del job  # it holds the job's error, whose traceback holds this frame: no cycle

    def close(self) -> None:
        self._sessions.close()
        self._workers.close()
        self._jobs.shutdown(wait=False, cancel_futures=True)
