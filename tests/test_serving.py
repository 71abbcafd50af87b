"""The server's process set-up: its open files limit, in a real child process."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RAISE = (
    "import resource\n"
    "from services.server.serving import raise_open_files_limit\n"
    "raise_open_files_limit()\n"
    "print(*resource.getrlimit(resource.RLIMIT_NOFILE))\n"
)


def limits_after_start_up(soft: int, hard: int) -> tuple[list[int], str]:
    """Run the start-up step in a child that begins with these limits; (limits, stderr)."""

    def begin() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

    child = subprocess.run(
        [sys.executable, "-c", RAISE],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        preexec_fn=begin,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return [int(limit) for limit in child.stdout.split()], child.stderr


def test_the_open_files_limit_is_raised_to_the_hard_limit() -> None:
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard != resource.RLIM_INFINITY and hard <= 256:
        pytest.skip(f"the hard limit here is only {hard}")
    limits, stderr = limits_after_start_up(256, hard)
    assert limits == [hard, hard]
    assert "RLIMIT_NOFILE" not in stderr or hard < 4096


def test_a_low_hard_limit_is_logged() -> None:
    limits, stderr = limits_after_start_up(256, 256)
    assert limits == [256, 256]
    assert "only 256 files may be open at once" in stderr
