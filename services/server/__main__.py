"""`python -m services.server`: serve the contract with uvicorn."""

from __future__ import annotations

import contextlib
import logging
import sys

import uvicorn

from ..config import Settings
from ..engine.allocator import restart_with_huge_pages
from .app import create_app
from .serving import raise_open_files_limit, server_config


def main() -> int:
    restart_with_huge_pages()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    settings = Settings()
    if not settings.server_tokens:
        print("error: set SERVER_TOKENS to the API tokens the server accepts", file=sys.stderr)
        return 2
    raise_open_files_limit()
    server = uvicorn.Server(server_config(create_app(settings), settings))
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the signal once stopped
        server.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
