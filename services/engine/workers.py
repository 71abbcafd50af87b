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
    """`count` threads that take the parts of a step as they fall free.

    Parts can differ in cost (a busy stripe of a photo deflates slower than sky), so callers
    cut a step into a few more parts than there are threads.
    """

    def __init__(self, count: int) -> None:
        self.count = max(1, count)
        self._pool = (
            ThreadPoolExecutor(self.count, thread_name_prefix="engine-worker")
            if self.count > 1
            else None
        )

    def map(self, call: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """`call` on each item, results in order; inline when there is a single thread."""
        if self._pool is None:
            return [call(item) for item in items]
        return list(self._pool.map(call, items))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)


INLINE = Workers(1)  # for callers with nothing to split
