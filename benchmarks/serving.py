"""The API server in its own process on loopback, for the benchmarks that drive it over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
from common import MODELS_DIR, ROOT, THREADS

TOKEN = "benchmark-token"


@dataclass(frozen=True)
class Served:
    url: str
    pid: int

    def memory(self) -> dict[str, int]:
        """VmRSS and VmHWM (peak) of the server process, in MB."""
        with open(f"/proc/{self.pid}/status") as status:
            fields = dict(line.split(":", 1) for line in status)
        return {key: int(fields[key].split()[0]) // 1024 for key in ("VmRSS", "VmHWM")}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server_process(**settings: str) -> Iterator[Served]:
    """`python -m services.server` with the benchmark engine settings and `settings` on top."""
    port = free_port()
    env = {
        **os.environ,
        "SERVER_TOKENS": TOKEN,
        "SERVER_PORT": str(port),
        "MODELS_DIR": str(MODELS_DIR),
        "ENGINE_THREADS": str(THREADS),
        "ENGINE_CONCURRENCY": "1",
        **settings,
    }
    with tempfile.TemporaryDirectory() as outputs:
        env["OUTPUT_DIR"] = outputs
        process = subprocess.Popen(
            [sys.executable, "-m", "services.server"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_up(url, process)
            yield Served(url, process.pid)
        finally:
            process.terminate()
            process.wait(30)


def wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server exited at start-up")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not start in time")
