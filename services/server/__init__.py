"""The Remove Background contract served over HTTP."""

from .app import create_app

__all__ = ["create_app"]
