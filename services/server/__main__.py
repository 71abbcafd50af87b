"""`python -m services.server`: serve the contract with uvicorn."""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import sys

import uvicorn

from ..config import ServerSettings, Settings
from ..engine.allocator import restart_with_huge_pages
from ..logs import configure_logging
from .app import create_app
from .serving import raise_open_files_limit, server_config

log = logging.getLogger(__name__)


def main() -> int:
    restart_with_huge_pages()
    settings = Settings()
    configure_logging(settings.log_format)
    if not settings.server.server_tokens:
        print("error: set SERVER_TOKENS to the API tokens the server accepts", file=sys.stderr)
        return 2
    warn_about_exposure(settings.server)
    raise_open_files_limit()
    server = uvicorn.Server(server_config(create_app(settings), settings.server))
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the signal once stopped
        server.run()
    return 0


def warn_about_exposure(settings: ServerSettings) -> None:
    """Warn when clients beyond this machine would get output URLs naming our own address."""
    behind_proxy = bool(settings.trusted_proxies)
    if settings.public_base_url or (_loopback(settings.server_host) and not behind_proxy):
        return
    log.warning(
        "PUBLIC_BASE_URL is unset although clients beyond this machine reach the server "
        "(SERVER_HOST=%s%s): output URLs will name the address each connection came to; "
        "set PUBLIC_BASE_URL to the address clients use",
        settings.server_host,
        ", TRUSTED_PROXIES set" if behind_proxy else "",
    )


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name that may resolve anywhere


if __name__ == "__main__":
    sys.exit(main())
