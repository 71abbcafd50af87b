"""A bounded queue in front of the engine: beyond it, callers are told to come back."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager


class QueueFullError(Exception):
    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"the server is busy; retry after {retry_after} s")


class Admission:
    """At most `capacity` records are running or waiting; each call reserves its records."""

    def __init__(self, capacity: int, *, workers: int) -> None:
        self.capacity = capacity
        self.workers = workers
        self.pending = 0
        self._seconds_per_record = 1.0  # a running estimate for Retry-After

    @property
    def full(self) -> bool:
        return self.pending >= self.capacity

    @contextmanager
    def reserve(self, records: int) -> Iterator[None]:
        if self.pending + records > self.capacity:
            raise QueueFullError(self.retry_after())
        self.pending += records
        try:
            yield
        finally:
            self.pending -= records

    def observe(self, seconds: float) -> None:
        """Record how long the engine took for one record."""
        self._seconds_per_record = 0.8 * self._seconds_per_record + 0.2 * seconds

    def retry_after(self) -> int:
        rounds = max(1, self.pending) / self.workers
        return max(1, math.ceil(rounds * self._seconds_per_record))
