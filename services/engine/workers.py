"""A few helper threads that split one image's heavy steps into parts.

NumPy, OpenCV and ISA-L release the GIL on large arrays, so the parts run on separate cores,
as ONNX Runtime's own threads do during inference.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Workers:
    """`count` threads in all: the caller's own thread and `count - 1` helpers."""

    def __init__(self, count: int) -> None:
        self.count = max(1, count)
        self._pool = (
            ThreadPoolExecutor(self.count - 1, thread_name_prefix="engine-helper")
            if self.count > 1
            else None
        )

    def map(self, call: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """`call` on each item, in order; the first item runs in the calling thread."""
        first, *rest = items
        if self._pool is None:
            return [call(first), *(call(item) for item in rest)]
        futures = [self._pool.submit(call, item) for item in rest]
        return [call(first), *(future.result() for future in futures)]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)


INLINE = Workers(1)  # for callers with nothing to split
