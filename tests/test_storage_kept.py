from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

import pytest

from storage.kept import KeptCutouts
from tests.storage_fixtures import NOW


def test_a_kept_cutout_comes_back_and_replaces_the_one_before(tmp_path: Path) -> None:
    kept = KeptCutouts(tmp_path / "kept")
    assert kept.get("abc") is None
    kept.put("abc", b"first")
    kept.put("abc", b"second")
    assert kept.get("abc") == b"second"
    assert [p.name for p in (tmp_path / "kept").iterdir()] == ["abc.png"]


@pytest.mark.parametrize("job_id", ["../etc/passwd", "a/b", "", "x" * 41])
def test_only_job_ids_name_files(tmp_path: Path, job_id: str) -> None:
    kept = KeptCutouts(tmp_path)
    with pytest.raises(ValueError, match="job id"):
        kept.put(job_id, b"png")
    assert kept.get(job_id) is None


def test_the_oldest_go_first_when_the_folder_is_full(tmp_path: Path) -> None:
    kept = KeptCutouts(tmp_path, max_bytes=25)
    for n, job_id in enumerate(["one", "two", "three"]):
        kept.put(job_id, bytes(10))
        stamp = time.time() - 100 + n
        os.utime(tmp_path / f"{job_id}.png", (stamp, stamp))
    kept.put("four", bytes(10))
    assert [kept.get(j) is not None for j in ("one", "two", "three", "four")] == [
        False,
        False,
        True,
        True,
    ]
    kept.put("huge", bytes(26))  # larger than the whole folder: not kept, nothing pushed out
    assert kept.get("huge") is None
    assert kept.get("four") is not None


def test_a_put_drops_what_is_older_than_the_age_kept(tmp_path: Path) -> None:
    kept = KeptCutouts(tmp_path, max_age=3600)
    kept.put("old", b"png")
    stamp = (NOW - timedelta(hours=2)).timestamp()
    os.utime(tmp_path / "old.png", (stamp, stamp))
    kept.put("new", b"png")
    assert (kept.get("old"), kept.get("new")) == (None, b"png")
