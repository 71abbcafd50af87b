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
