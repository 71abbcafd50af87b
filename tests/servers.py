"""The API server run by uvicorn in a thread, on a free loopback port, for tests."""

from __future__ import annotations

import asyncio
import http.server
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from services.config import Settings
from services.server import create_app
from services.server.serving import server_config

TOKEN = "test-token-3f9a"


def server_settings(tmp: Path, models_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "models_dir": models_dir,
        "server_tokens": TOKEN,
        "output_dir": tmp / "outputs",
        "url_allow_networks": "127.0.0.0/8",
        "max_input_pixels": 4_000_000,
        **overrides,
    }
    return Settings(_env_file=None, **values)


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running(settings: Settings) -> Iterator[str]:
    """Serve `settings` until the block ends; yields the base URL."""
    loopback = settings.server.model_copy(update={"server_host": "127.0.0.1", "server_port": 0})
    settings = settings.model_copy(update={"server": loopback})
    server = uvicorn.Server(server_config(create_app(settings), loopback))
    thread = threading.Thread(target=asyncio.run, args=(server.serve(),), daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the API server did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


Route = tuple[int, dict[str, str], bytes]


@contextmanager
def image_host(routes: dict[str, Route], host: str = "127.0.0.1") -> Iterator[str]:
    """A plain HTTP server answering GET `path` with (status, headers, body)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, headers, body = routes.get(self.path, (404, {}, b"not found"))
            self.send_response(status)
            for name, value in {"Content-Length": str(len(body)), **headers}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer((host, 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
