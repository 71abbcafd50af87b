"""Outputs over HTTP: the route that serves them and the base their URLs start with."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from ..config import ServerSettings
from .responses import CallError

if TYPE_CHECKING:
    from .app import Server

_DEFAULT_PORTS = {"http": 80, "https": 443}


async def output(request: Request) -> Response:
    """GET /outputs/{key}: an output until it expires, then 404."""
    server: Server = request.app.state.server
    key = request.path_params["key"]
    stored = await server.store.get(key)
    if stored is None:
        ttl = lifetime(server.settings.output_ttl_seconds)
        raise CallError(404, f"this output does not exist or has expired (outputs last {ttl})")
    headers = {
        "Cache-Control": f"private, max-age={int(stored.seconds_left)}",  # never past expiry
        "X-Content-Type-Options": "nosniff",
    }
    return FileResponse(
        stored.path,
        media_type=stored.content_type,
        headers=headers,
        filename=key,
        content_disposition_type="inline",
    )


def lifetime(seconds: int) -> str:
    """A duration as people write it: "24 h", "2 days", "30 min", "90 s"."""
    if seconds % 86400 == 0 and seconds > 86400:
        return f"{seconds // 86400} days"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def output_base(request: Request, settings: ServerSettings) -> str:
    """PUBLIC_BASE_URL, else the address and scheme the connection came to; never the Host
    header, which a client may fill with any name."""
    if settings.public_base_url:
        return settings.public_base_url
    scheme = request.scope.get("scheme", "http")
    host, port = request.scope.get("server") or ("localhost", None)
    if port is None:  # a Unix socket has no address to give; a proxy must set PUBLIC_BASE_URL
        host = "localhost"
    if ":" in host:
        host = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    return f"{scheme}://{host}{request.scope.get('root_path', '')}"
