"""Services built from the settings; called by entry points only."""

from __future__ import annotations

from .config import Settings
from .engine import Engine, Limits
from .engine.registry import configured


def build_engine(settings: Settings) -> Engine:
    """The embedded engine with the operator's limits, threads and model sources."""
    return Engine(
        settings.models_dir,
        threads=settings.engine_threads,
        concurrency=settings.engine_concurrency,
        limits=Limits(settings.max_input_bytes, settings.max_input_pixels),
        models={spec.name: spec for spec in configured(settings.model_sources())},
    )
