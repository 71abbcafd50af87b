"""`python -m services.server` as a real process, for tests that start one."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def server_env(tmp_path: Path, models_dir: Path, **values: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SERVER_")}
    return {
        **clean,
        "PYTHONPATH": str(ROOT),
        "MODELS_DIR": str(ROOT / models_dir),
        "OUTPUT_DIR": str(tmp_path / "outputs"),
        **values,
    }


@dataclass
class ServerProcess:
    url: str
    log: str = ""  # all it printed, once it has stopped
    returncode: int | None = None


@asynccontextmanager
async def server_process(cwd: Path, env: dict[str, str]) -> AsyncIterator[ServerProcess]:
    """`python -m services.server` with `env`, up (its /health answers) until the block ends."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.server",
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    served = ServerProcess(f"http://127.0.0.1:{env['SERVER_PORT']}")
    try:
        async with httpx.AsyncClient(timeout=5) as client:
            for _ in range(300):
                try:
                    await client.get(f"{served.url}/health")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
        yield served
    finally:
        process.terminate()
        served.log = (await asyncio.wait_for(process.communicate(), 30))[0].decode()
        served.returncode = process.returncode
