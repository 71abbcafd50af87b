"""Where outputs live until they expire: an interface and its local-filesystem form.

A deployment with several replicas shares one S3-compatible bucket instead (`s3store.py`).
"""

from __future__ import annotations

import asyncio
import os
import re
import stat
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..contract.wire import IMAGE_FORMATS

# An output's suffix is its format (a mask and a white background are "jpg").
CONTENT_TYPES: dict[str, str] = {
    fmt: "image/jpeg" if fmt == "jpg" else f"image/{fmt}" for fmt in IMAGE_FORMATS
}
_SUFFIXES = "|".join(IMAGE_FORMATS)
KEY = re.compile(rf"^[0-9a-f]{{32}}\.({_SUFFIXES})$")
_OWN = re.compile(rf"^[0-9a-f]{{32}}\.({_SUFFIXES}|part)$")  # outputs and their partial writes


class StoreUnavailableError(Exception):
    """The store could not keep or reach an output; the message is fit for a `_status`."""


@dataclass(frozen=True)
class StoredOutput:
    path: Path
    content_type: str
    seconds_left: float


class OutputStore(Protocol):
    async def put(self, data: bytes, *, suffix: str) -> str:
        """Keep `data` and return its key (a file name such as `<hex>.png`)."""

    async def url(self, key: str, base_url: str) -> str:
        """Where a client fetches the output; `base_url` is this server's own."""

    async def get(self, key: str) -> StoredOutput | None:
        """The output, or None when the key is unknown or has expired (or served elsewhere)."""

    async def ready(self) -> bool:
        """Whether the store can be reached now."""

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

    async def url(self, key: str, base_url: str) -> str:
        return f"{base_url.rstrip('/')}/outputs/{key}"

    async def ready(self) -> bool:
        return await asyncio.to_thread(os.access, self.root, os.W_OK)

    async def get(self, key: str) -> StoredOutput | None:
        if not KEY.match(key):
            return None
        path = self.root / key
        try:
            info = await asyncio.to_thread(path.lstat)
        except FileNotFoundError:
            return None
        left = self.ttl - (self._clock() - info.st_mtime)
        if left <= 0 or not stat.S_ISREG(info.st_mode):
            return None
        return StoredOutput(path, CONTENT_TYPES[key.rsplit(".", 1)[1]], left)

    async def delete(self, key: str) -> None:
        if KEY.match(key):
            await asyncio.to_thread((self.root / key).unlink, missing_ok=True)

    async def sweep(self) -> int:
        return await asyncio.to_thread(self._sweep)

    def _write(self, path: Path, data: bytes) -> None:
        partial = path.with_suffix(".part")
        partial.write_bytes(data)
        os.utime(partial, (self._clock(), self._clock()))
        partial.replace(path)  # readers never see half a file

    def _sweep(self) -> int:
        """Delete our own expired files; anything else in the folder is the operator's."""
        gone = 0
        with os.scandir(self.root) as entries:
            for entry in entries:
                if not _OWN.match(entry.name) or not entry.is_file(follow_symlinks=False):
                    continue  # not ours, a folder or a link: never deleted nor followed
                try:
                    if self._expired(entry.stat(follow_symlinks=False).st_mtime):
                        os.unlink(entry.path)
                        gone += 1
                except FileNotFoundError:
                    continue  # swept by another replica
        return gone

    def _expired(self, mtime: float) -> bool:
        return self._clock() - mtime >= self.ttl
