"""Huge pages: when the entry points restart themselves with glibc's tunable, and how."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from services.engine.allocator import huge_pages_on, supported

SHOW = (
    "from services.engine.allocator import restart_with_huge_pages;"
    "restart_with_huge_pages();"
    "import os; print(os.environ.get('GLIBC_TUNABLES', '-'))"
)


@pytest.mark.parametrize(
    ("libc", "thp", "expected"),
    [
        (("glibc", "2.36"), "always [madvise] never", True),
        (("glibc", "2.35"), "[always] madvise never", True),
        (("glibc", "2.34"), "always [madvise] never", False),
        (("glibc", "2.36"), "always madvise [never]", False),
        (("", ""), "always [madvise] never", False),
        (("glibc", "unknown"), "always [madvise] never", False),
    ],
)
def test_supported_needs_new_glibc_and_thp_not_off(
    libc: tuple[str, str], thp: str, expected: bool
) -> None:
    if sys.platform != "linux":
        pytest.skip("Linux only")
    assert supported(libc, thp) is expected


def test_huge_pages_on_reads_the_exact_tunable() -> None:
    assert huge_pages_on({"GLIBC_TUNABLES": "glibc.malloc.hugetlb=1"})
    assert huge_pages_on({"GLIBC_TUNABLES": "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1"})
    assert not huge_pages_on({"GLIBC_TUNABLES": "glibc.malloc.hugetlb=0"})
    assert not huge_pages_on({})


def show_tunables(tunables: str | None) -> str:
    """GLIBC_TUNABLES as a fresh interpreter sees it after restart_with_huge_pages()."""
    env = {k: v for k, v in os.environ.items() if k != "GLIBC_TUNABLES"}
    if tunables is not None:
        env["GLIBC_TUNABLES"] = tunables
    done = subprocess.run(
        [sys.executable, "-c", SHOW], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


needs_support = pytest.mark.skipif(not supported(), reason="no glibc 2.35+ with THP here")


@needs_support
def test_restart_sets_the_tunable_once() -> None:
    assert show_tunables(None) == "glibc.malloc.hugetlb=1"


@needs_support
def test_restart_keeps_other_tunables() -> None:
    assert show_tunables("glibc.malloc.arena_max=2") == (
        "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1"
    )


def test_an_operator_can_opt_out() -> None:
    assert show_tunables("glibc.malloc.hugetlb=0") == "glibc.malloc.hugetlb=0"
