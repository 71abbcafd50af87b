"""Services built from the settings; called by entry points only."""

from __future__ import annotations

from .config import EngineSettings, Settings
from .contract import Backend
from .contract.local import LocalBackend
from .contract.wire import MODELS
from .engine import Engine, Limits
from .engine.registry import configured
from .removebg import RemoveBgClient


def build_engine(settings: EngineSettings) -> Engine:
    """The embedded engine with the operator's limits, threads and model sources."""
    return Engine(
        settings.models_dir,
        threads=settings.engine_threads,
        concurrency=settings.engine_concurrency,
        limits=Limits(settings.max_input_bytes, settings.max_input_pixels),
        models={spec.name: spec for spec in configured(settings.model_sources())},
        providers=settings.engine_providers,
    )


def build_backend(settings: Settings) -> Backend:
    """REMOVEBG_BACKEND: the embedded engine (`local`) or a server of the contract (`api`)."""
    if settings.bot.removebg_backend == "local":
        return LocalBackend(build_engine(settings.engine), warm_up=MODELS)
    if settings.bot.removebg_api_token is None:
        raise ValueError("REMOVEBG_BACKEND=api needs REMOVEBG_API_TOKEN")
    return RemoveBgClient(
        settings.bot.removebg_api_url,
        settings.bot.removebg_api_token,
        timeout=settings.bot.removebg_timeout_seconds,
    )
