from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from services.server.auth import TokenCheck
from services.server.store import LocalStore


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def test_an_output_is_served_until_it_expires_then_swept(tmp_path: Path) -> None:
    clock = Clock()
    store = LocalStore(tmp_path, ttl=60, clock=clock)
    key = await store.put(b"png bytes", suffix="png")
    stored = await store.get(key)
    assert stored is not None
    assert stored.content_type == "image/png"
    assert stored.path.read_bytes() == b"png bytes"
    clock.now += 59
    assert await store.get(key) is not None
    assert await store.sweep() == 0
    clock.now += 1
    assert await store.get(key) is None
    assert await store.sweep() == 1
    assert await asyncio.to_thread(os.listdir, tmp_path) == []


@pytest.mark.parametrize(
    "key", ["../secret.png", "x.png", "0" * 32 + ".gif", "0" * 32 + ".png/..", ""]
)
async def test_a_key_that_is_not_ours_is_unknown(tmp_path: Path, key: str) -> None:
    (tmp_path / "secret.png").write_bytes(b"x")
    assert await LocalStore(tmp_path / "store", ttl=60).get(key) is None


async def test_an_unknown_suffix_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="suffix"):
        await LocalStore(tmp_path, ttl=60).put(b"x", suffix="exe")


def test_token_check() -> None:
    from pydantic import SecretStr

    check = TokenCheck([SecretStr("alpha"), SecretStr("beta")])
    assert check.allows("Token beta")
    assert check.allows("token alpha")
    assert not check.allows("Token gamma")
    assert not check.allows("Bearer alpha")
    assert not check.allows(None)
    assert "alpha" not in repr(check)
    with pytest.raises(ValueError, match="SERVER_TOKENS"):
        TokenCheck([])


async def test_the_sweeper_deletes_only_its_own_expired_files(tmp_path: Path) -> None:
    clock = Clock()
    root, elsewhere = tmp_path / "outputs", tmp_path / "elsewhere"
    store = LocalStore(root, ttl=60, clock=clock)
    expired = await store.put(b"old output", suffix="png")
    stale_part = root / ("1" * 32 + ".part")  # a write that never finished
    stale_part.write_bytes(b"half")
    operator = {
        root / "README.txt": b"the operator's notes",
        root / "keep" / ("2" * 32 + ".png"): b"in a subfolder",
        elsewhere / "precious.png": b"reached only through a link",
    }
    for path, data in operator.items():
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
    (root / ("3" * 32 + ".png")).symlink_to(elsewhere / "precious.png")
    (root / ("4" * 32 + ".jpg")).mkdir()
    for path in [stale_part, *operator]:
        os.utime(path, (clock.now, clock.now))
    clock.now += 61
    fresh = await store.put(b"new output", suffix="webp")

    assert await store.sweep() == 2
    assert not (root / expired).exists()
    assert not stale_part.exists()
    assert (root / fresh).read_bytes() == b"new output"
    assert all(path.read_bytes() == data for path, data in operator.items())
    assert (root / ("3" * 32 + ".png")).is_symlink()
    assert (root / ("4" * 32 + ".jpg")).is_dir()
    assert await store.get("3" * 32 + ".png") is None  # a link is never served either
