"""A first-come, first-served line in front of the engine, bounded in records, bytes and time.

A call is admitted to read its body when the bytes fit and the queue is not full; until then
it waits its turn, without its body being read. Once parsed, it takes its records at the head
of the line. It holds both until its answer. Since no call holds records while it waits for
more, calls can't wait on each other in a ring. A call that would wait longer than `max_wait`
is refused at once, and told when to come back: refused calls are spread over the line's
measured drain rate, and one that comes back when told takes its place.
"""

from __future__ import annotations

import asyncio
import bisect
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

BOOKING_GRACE = 2.0  # seconds a refused call's place is kept after its Retry-After


@dataclass(frozen=True)
class _Booking:
    due: float
    client: Hashable


def _due(booking: _Booking) -> float:
    return booking.due


class QueueFullError(Exception):
    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"the server is busy; retry after {retry_after} s")


@dataclass
class _Waiter:
    body: int
    records: int
    parsed: bool  # False while the call's records are still unknown
    granted: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class Ticket:
    """What one admitted call holds; it grows once its records are known."""

    def __init__(self, admission: Admission, body: int) -> None:
        self._admission = admission
        self.body = body
        self.records = 0

    async def grow(self, records: int) -> None:
        """Hold `records` records, waiting for them at the head of the line."""
        await self._admission.take(0, records, parsed=True)
        self.records = records
        self._admission.seen_call(records)


class Admission:
    def __init__(
        self,
        *,
        workers: int,
        queue_size: int,
        body_budget: int,
        max_wait: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = workers + queue_size
        self.workers = workers
        self.body_budget = body_budget
        self.max_wait = max_wait
        self.pending = 0  # records admitted: running or queued for the engine
        self.held = 0  # body bytes admitted
        self.reading = 0  # calls admitted whose records are not known yet
        self._line: deque[_Waiter] = deque()
        self._clock = clock
        self._seconds_per_record = 1.0  # a running estimate of the line's pace
        self._busy_since: float | None = None  # when a record last left while calls waited
        self._records_per_call = 1.0
        self._booked = 0.0  # when the last refused call was told to come back, plus its share
        self._bookings: list[_Booking] = []  # refused calls told to come back, soonest first

    @property
    def waiting(self) -> int:
        return len(self._line)

    @asynccontextmanager
    async def enter(self, body: int, *, client: Hashable = None) -> AsyncIterator[Ticket]:
        """Wait for the call's turn (or refuse it now), and free what it held when done.

        `client` names the caller where it can (its address), to find its own booking.
        """
        if not self._redeem(client):
            wait = self.expected_wait()
            if wait > self.max_wait:
                raise QueueFullError(self._book(wait, client))
        await self.take(body, 0, parsed=False)
        ticket = Ticket(self, body)
        try:
            yield ticket
        finally:
            self._give(ticket.body, ticket.records, parsed=ticket.records > 0)

    async def take(self, body: int, records: int, *, parsed: bool) -> None:
        """Hold a body to read, or a parsed call's records; those go ahead of bodies."""
        waiter = _Waiter(body, records, parsed)
        if not self._line and self._fits(waiter):
            self._hold(waiter)
            return
        ahead = next((i for i, w in enumerate(self._line) if not w.parsed), len(self._line))
        self._line.insert(ahead if parsed else len(self._line), waiter)
        self._wake()  # at the head, it may fit now
        try:
            await waiter.granted
        except asyncio.CancelledError:
            if waiter.granted.done() and not waiter.granted.cancelled():
                self._undo(waiter)  # granted just as it was cancelled
            else:
                self._line.remove(waiter)
                self._wake()
            raise

    def observe(self, seconds: float) -> None:
        """Record how long the engine took for one record: the pace until the line is busy."""
        if self._busy_since is None:
            self._blend(seconds / self.workers)

    def seen_call(self, records: int) -> None:
        self._records_per_call = 0.9 * self._records_per_call + 0.1 * records

    def expected_wait(self) -> float:
        """Seconds a call arriving now would wait for its turn, behind those told to return."""
        unparsed = self.reading + sum(1 for w in self._line if not w.parsed)
        ahead: float = self.pending + sum(w.records for w in self._line)
        ahead += unparsed * self._records_per_call
        ahead += len(self._bookings) * self._records_per_call
        excess = ahead + 1 - self.capacity
        return max(0.0, excess) * self._seconds_per_record

    def _book(self, wait: float, client: Hashable) -> int:
        """Tell a refused call when its turn will come, after those told before it."""
        now = self._clock()
        back = max(now + wait - self.max_wait, self._booked)
        self._booked = back + self._records_per_call * self._seconds_per_record
        retry_after = max(1, math.ceil(back - now))
        # whole seconds: when it will really come back
        bisect.insort(self._bookings, _Booking(now + retry_after, client), key=_due)
        return retry_after

    def _redeem(self, client: Hashable) -> bool:
        """A call arriving when a refused one was told to return takes that one's place.

        Its own booking if it has one (same address), else the oldest one overdue by a
        second: a refused caller whose address changed can't be told apart. Places not
        taken within a grace period are given up.
        """
        now = self._clock()
        grace = max(BOOKING_GRACE, 2 * self._records_per_call * self._seconds_per_record)
        self._bookings = [b for b in self._bookings if b.due + grace >= now]
        due = [b for b in self._bookings if b.due <= now]
        mine = [b for b in due if client is not None and b.client == client]
        taken = mine[0] if mine else next((b for b in due if b.due + 1 <= now), None)
        if taken is None:
            return False
        self._bookings.remove(taken)
        return True

    def _fits(self, waiter: _Waiter) -> bool:
        """A parsed call's records; a body to read while the queue has room for one more."""
        if waiter.parsed:
            return self.pending + waiter.records <= self.capacity
        return (
            self.pending + self.reading < self.capacity
            and self.held + waiter.body <= self.body_budget
        )

    def _hold(self, waiter: _Waiter) -> None:
        self.pending += waiter.records
        self.held += waiter.body
        self.reading += -1 if waiter.parsed else 1

    def _undo(self, waiter: _Waiter) -> None:
        self.pending -= waiter.records
        self.held -= waiter.body
        self.reading += 1 if waiter.parsed else -1
        self._wake()

    def _give(self, body: int, records: int, *, parsed: bool) -> None:
        self.pending -= records
        self.held -= body
        if parsed:
            self._note_drain(records)
        else:
            self.reading -= 1  # left before its records were known
        self._wake()

    def _note_drain(self, records: int) -> None:
        """While calls wait, the time between records leaving is the line's real pace."""
        now = self._clock()
        if self._busy_since is not None:
            self._blend((now - self._busy_since) / records)
        self._busy_since = now if self._line else None

    def _blend(self, seconds_per_record: float) -> None:
        self._seconds_per_record = 0.8 * self._seconds_per_record + 0.2 * seconds_per_record

    def _wake(self) -> None:
        while self._line and self._fits(self._line[0]):
            waiter = self._line.popleft()
            self._hold(waiter)
            waiter.granted.set_result(None)
