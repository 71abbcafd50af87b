"""uvicorn as the API server runs it: one Config from its settings, for __main__ and the tests."""

from __future__ import annotations

import logging
import resource

import uvicorn
from starlette.types import ASGIApp

from ..config import ServerSettings
from .connections import head_deadline_protocol

log = logging.getLogger(__name__)

FEW_FILES = 4096  # below this, a crowd of idle sockets can use up the descriptors


def server_config(app: ASGIApp, settings: ServerSettings) -> uvicorn.Config:
    """h11 with a request-head deadline and no cap on sockets (requests are capped in the app)."""
    return uvicorn.Config(
        app,
        host=settings.server_host,
        port=settings.server_port,
        http=head_deadline_protocol(settings.header_timeout_seconds),
        ws="none",
        lifespan="on",
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=settings.trusted_proxies,
        log_config=None,
    )


def raise_open_files_limit() -> int:
    """Lift the soft RLIMIT_NOFILE to the hard one so 1,000+ sockets fit; the soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError) as exc:
            log.warning("could not raise the open files limit to %d: %s", hard, exc)
    if soft != resource.RLIM_INFINITY and soft < FEW_FILES:
        log.warning(
            "only %d files may be open at once (RLIMIT_NOFILE); raise the hard limit "
            "(ulimit -Hn, LimitNOFILE=) so that many connections fit",
            soft,
        )
    return soft
