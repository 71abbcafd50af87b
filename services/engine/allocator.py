"""Large allocations on transparent huge pages, which glibc arranges only at process start.

Without them, every large array and every ONNX Runtime activation is faulted in 4 KiB at a
time: U²-Net-p's inference took 0.35 s instead of 0.25 s on 2 cores (BENCHMARKS.md).
"""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Mapping
from pathlib import Path

TUNABLE = "glibc.malloc.hugetlb"  # 1: glibc madvises its large mappings as huge pages
THP_SETTING = Path("/sys/kernel/mm/transparent_hugepage/enabled")


def huge_pages_on(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether this process was started with the tunable switched on."""
    return f"{TUNABLE}=1" in environ.get("GLIBC_TUNABLES", "").split(":")


def supported(libc: tuple[str, str] | None = None, thp: str | None = None) -> bool:
    """glibc 2.35 or later on Linux, with transparent huge pages not switched off."""
    name, version = libc or platform.libc_ver()
    if sys.platform != "linux" or name != "glibc":
        return False
    try:
        if tuple(int(part) for part in version.split(".")[:2]) < (2, 35):
            return False
        setting = thp if thp is not None else THP_SETTING.read_text()
    except (ValueError, OSError):
        return False
    return "[never]" not in setting


def restart_with_huge_pages() -> None:
    """Run this command again with the tunable set, once, where glibc supports it.

    Entry points call this first thing. A GLIBC_TUNABLES that already names the tunable is
    the operator's choice and is kept (`glibc.malloc.hugetlb=0` opts out).
    """
    tunables = os.environ.get("GLIBC_TUNABLES", "")
    if TUNABLE in tunables or not supported():
        return
    env = {**os.environ, "GLIBC_TUNABLES": ":".join(filter(None, [tunables, f"{TUNABLE}=1"]))}
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execve(sys.executable, sys.orig_argv, env)
    except OSError:
        return  # an unusual interpreter set-up: carry on without huge pages
