from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from services.config import Settings
from services.engine import Engine, Limits
from storage import SharedDatabase, open_database
from tests.servers import running, server_settings


@pytest.fixture(scope="session")
def models_dir() -> Path:
    return Settings().engine.models_dir


@pytest.fixture
async def engine(models_dir: Path) -> AsyncIterator[Engine]:
    engine = Engine(models_dir, threads=2, limits=Limits(max_bytes=8 << 20, max_pixels=4_000_000))
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def api_url(tmp_path_factory: pytest.TempPathFactory, models_dir: Path) -> Iterator[str]:
    """Our API server on loopback, shared by the tests that don't change its settings."""
    tmp = tmp_path_factory.mktemp("server")
    with running(server_settings(tmp, models_dir, max_body_bytes=1 << 20)) as url:
        yield url


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "bot.sqlite3"


@pytest.fixture
def db(db_path: Path) -> Iterator[SharedDatabase]:
    """A real SQLite file with the migrations applied."""
    with open_database(db_path) as db:
        yield db
