from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.config import Settings
from services.engine import Engine, Limits


@pytest.fixture(scope="session")
def models_dir() -> Path:
    return Settings().models_dir


@pytest.fixture
async def engine(models_dir: Path) -> AsyncIterator[Engine]:
    engine = Engine(models_dir, threads=2, limits=Limits(max_bytes=8 << 20, max_pixels=4_000_000))
    yield engine
    engine.close()
