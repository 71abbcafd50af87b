"""Where outputs live until they expire: an interface and its local-filesystem form.

A deployment with several replicas needs a shared store (S3-compatible, say); it implements
`OutputStore` and the rest of the server is unchanged.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}
_KEY = re.compile(r"^[0-9a-f]{32}\.(png|jpg|webp)$")


@dataclass(frozen=True)
class StoredOutput:
    path: Path
    content_type: str


class OutputStore(Protocol):
    async def put(self, data: bytes, *, suffix: str) -> str:
        """Keep `data` and return its key (a file name such as `<hex>.png`)."""

    async def get(self, key: str) -> StoredOutput | None:
        """The output, or None when the key is unknown or has expired."""

    async def delete(self, key: str) -> None:
        """Forget the output now (a call that failed takes its outputs back)."""

    async def sweep(self) -> int:
        """Delete expired outputs and return how many went."""


class LocalStore:
    """Files in one folder; a file's age (mtime) decides its expiry."""

    def __init__(self, root: Path, *, ttl: float, clock: Callable[[], float] = time.time) -> None:
        self.root = root
        self.ttl = ttl
        self._clock = clock
        root.mkdir(parents=True, exist_ok=True)

    async def put(self, data: bytes, *, suffix: str) -> str:
        if suffix not in CONTENT_TYPES:
            raise ValueError(f"unknown output suffix {suffix!r}")
        key = f"{uuid.uuid4().hex}.{suffix}"
        await asyncio.to_thread(self._write, self.root / key, data)
        return key

    async def get(self, key: str) -> StoredOutput | None:
        if not _KEY.match(key):
            return None
        path = self.root / key
        try:
            stat = await asyncio.to_thread(path.stat)
        except FileNotFoundError:
            return None
        if self._expired(stat.st_mtime):
            return None
        return StoredOutput(path, CONTENT_TYPES[key.rsplit(".", 1)[1]])

    async def delete(self, key: str) -> None:
        if _KEY.match(key):
            await asyncio.to_thread((self.root / key).unlink, missing_ok=True)

    async def sweep(self) -> int:
        return await asyncio.to_thread(self._sweep)

    def _write(self, path: Path, data: bytes) -> None:
        partial = path.with_suffix(".part")
        partial.write_bytes(data)
        os.utime(partial, (self._clock(), self._clock()))
        partial.replace(path)  # readers never see half a file

    def _sweep(self) -> int:
        gone = 0
        for path in self.root.iterdir():
            try:
                if path.is_file() and self._expired(path.stat().st_mtime):
                    path.unlink()
                    gone += 1
            except FileNotFoundError:
                continue  # swept by another replica
        return gone

    def _expired(self, mtime: float) -> bool:
        return self._clock() - mtime >= self.ttl
