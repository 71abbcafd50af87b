"""The models directory: fetches each model once at set-up, records and checks its sha256."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import ModelUnavailableError
from .registry import ModelSpec
from .sources import SourceError, fetch_first, sha256_file


@dataclass(frozen=True)
class Record:
    sha256: str
    revision: str
    source: str

    def line(self) -> str:
        return f"{self.sha256}  {self.revision}  {self.source}\n"


class WeightsDir:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, spec: ModelSpec) -> Path:
        return self.root / spec.filename

    def _record_path(self, spec: ModelSpec) -> Path:
        return self.root / f"{spec.filename}.sha256"

    def record(self, spec: ModelSpec) -> Record | None:
        try:
            fields = self._record_path(spec).read_text().strip().split("  ", 2)
        except FileNotFoundError:
            return None
        return Record(*fields) if len(fields) == 3 else None

    def current(self, spec: ModelSpec) -> Record | None:
        """The record, if the file is here and was prepared by the current recipe (unhashed)."""
        record = self.record(spec)
        if record is None or record.revision != spec.revision or not self.path(spec).is_file():
            return None
        return record

    def is_present(self, spec: ModelSpec) -> bool:
        return self.current(spec) is not None

    def verify(self, spec: ModelSpec, *, progress: bool = False) -> None:
        """Raise ModelUnavailableError unless the file matches its recorded sha256."""
        record = self.current(spec)
        if record is None:
            raise ModelUnavailableError(
                spec.name, "not fetched, or from an older recipe: run `make models`"
            )
        if sha256_file(self.path(spec), progress=progress) != record.sha256:
            raise ModelUnavailableError(spec.name, "checksum mismatch: fetch it again")

    def fetch(self, spec: ModelSpec, *, force: bool = False) -> Record:
        """Fetch the model unless it is already here; return its record."""
        existing = self.current(spec)
        if existing is not None and not force:
            return existing
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            source = fetch_first(spec.sources, self.path(spec))
        except SourceError as exc:
            raise ModelUnavailableError(spec.name, str(exc)) from exc
        record = Record(sha256_file(self.path(spec)), spec.revision, source.describe())
        self._record_path(spec).write_text(record.line())
        return record
