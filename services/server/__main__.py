"""`python -m services.server`: serve the contract with uvicorn."""

from __future__ import annotations

import logging
import sys

import uvicorn

from ..config import Settings
from ..engine.allocator import restart_with_huge_pages
from .app import create_app


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
    uvicorn.run(
        create_app(settings),
        host=settings.server_host,
        port=settings.server_port,
        limit_concurrency=settings.max_connections,
        proxy_headers=True,
        log_config=None,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
