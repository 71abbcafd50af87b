"""Plain cut-outs kept for a while, a PNG file per job, so that a new background or crop is
composed from one again without running a model. Files, not rows: each is megabytes.

The folder holds at most `max_bytes`, and nothing older than `max_age` seconds: each `put`
drops what is past either, oldest first.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path

_ID = re.compile(r"[A-Za-z0-9_-]{1,40}")
SUFFIX = ".png"


class KeptCutouts:
    """Every method is safe to call from any thread; run them off the event loop."""

    def __init__(self, folder: Path, *, max_bytes: int = 2 << 30, max_age: float = 86400) -> None:
        self._folder = folder
        self._max_bytes = max_bytes
        self._max_age = max_age

    def put(self, job_id: str, png: bytes) -> None:
        """Keep `png` for the job (replacing any kept before), then trim the folder."""
        if len(png) > self._max_bytes:
            return  # it would push out everything else
        self._folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self._folder, suffix=".part")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(png)
            os.replace(temporary, self._path(job_id))
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self._trim()

    def get(self, job_id: str) -> bytes | None:
        """The job's kept cut-out, or None if it was never kept or is gone."""
        try:
            return self._path(job_id).read_bytes()
        except (FileNotFoundError, ValueError):
            return None

    def _trim(self) -> None:
        files = sorted(self._files(), key=lambda found: found[1].st_mtime)
        total = sum(stat.st_size for _, stat in files)
        expired = time.time() - self._max_age
        for path, stat in files:
            if total <= self._max_bytes and stat.st_mtime >= expired:
                break
            path.unlink(missing_ok=True)
            total -= stat.st_size
        stale = time.time() - 3600  # a .part left by a crash
        for path in self._folder.glob("*.part"):
            if path.stat().st_mtime < stale:
                path.unlink(missing_ok=True)

    def _files(self) -> list[tuple[Path, os.stat_result]]:
        found = []
        for path in self._folder.glob(f"*{SUFFIX}"):
            try:
                found.append((path, path.stat()))
            except FileNotFoundError:  # trimmed by another thread meanwhile
                continue
        return found

    def _path(self, job_id: str) -> Path:
        if not _ID.fullmatch(job_id):
            raise ValueError(f"not a job id: {job_id!r}")
        return self._folder / f"{job_id}{SUFFIX}"
