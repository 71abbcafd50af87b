"""The HTTP client of the Remove Background contract (Ximilar's cloud, or our own server)."""

from .client import DEFAULT_MAX_DOWNLOAD_BYTES, RemoveBgClient

__all__ = ["DEFAULT_MAX_DOWNLOAD_BYTES", "RemoveBgClient"]
