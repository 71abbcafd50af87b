"""`python -m services.server` as a real process."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import httpx

from tests.server_process import server_env, server_process
from tests.servers import free_port


async def test_the_server_starts_serves_and_stops(tmp_path: Path, models_dir: Path) -> None:
    port = free_port()
    env = server_env(tmp_path, models_dir, SERVER_TOKENS="t1,t2", SERVER_PORT=str(port))
    async with (
        server_process(tmp_path, env) as served,
        httpx.AsyncClient(base_url=served.url, timeout=5) as client,
    ):
        health = await client.get("/health")
        assert health.json()["status"] == "ok"
        refused = await client.post("/removebg/fast/removebg", json={"records": [{}]})
        assert refused.status_code == 401
    assert served.returncode in (0, -signal.SIGTERM)  # uvicorn re-raises the signal
    assert "Finished server process" in served.log
    assert "t1" not in served.log.replace("http", "")


async def test_the_server_refuses_to_start_without_tokens(
    tmp_path: Path, models_dir: Path
) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.server",
        cwd=tmp_path,
        env=server_env(tmp_path, models_dir),
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    assert b"SERVER_TOKENS" in stderr
