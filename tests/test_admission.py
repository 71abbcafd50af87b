"""The admission line on its own: order, bounds, refusals and what cancellation gives back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from services.server.admission import Admission, QueueFullError


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def line(clock: Clock | None = None, **overrides: float) -> Admission:
    values: dict[str, float] = {
        "workers": 1,
        "queue_size": 1,
        "body_budget": 1000,
        "max_wait": 60,
        **overrides,
    }
    return Admission(
        workers=int(values["workers"]),
        queue_size=int(values["queue_size"]),
        body_budget=int(values["body_budget"]),
        max_wait=values["max_wait"],
        clock=clock or Clock(),
    )


async def refused(admission: Admission, client: str | None = None) -> int:
    """The Retry-After of a call that must be refused."""
    with pytest.raises(QueueFullError) as caught:
        async with admission.enter(1, client=client):
            pass
    return caught.value.retry_after


async def hold(
    admission: Admission,
    body: int,
    records: int,
    order: list[str],
    name: str,
    release: asyncio.Event,
    client: str | None = None,
) -> None:
    async with admission.enter(body, client=client) as ticket:
        await ticket.grow(records)
        order.append(name)
        await release.wait()


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_calls_are_admitted_first_come_first_served() -> None:
    admission = line(queue_size=1)
    order: list[str] = []
    release = asyncio.Event()
    tasks = []
    for name in "abcde":
        tasks.append(asyncio.create_task(hold(admission, 10, 1, order, name, release)))
        await settle()
    assert order == ["a", "b"]  # capacity 2; the rest wait in line
    assert admission.waiting == 3
    release.set()
    await asyncio.gather(*tasks)
    assert order == list("abcde")
    assert (admission.pending, admission.held, admission.waiting) == (0, 0, 0)


async def test_body_bytes_held_at_once_are_bounded() -> None:
    admission = line(queue_size=8, body_budget=100)
    order: list[str] = []
    release = asyncio.Event()
    tasks = [asyncio.create_task(hold(admission, 60, 1, order, n, release)) for n in "ab"]
    await settle()
    assert order == ["a"]  # b's 60 bytes would pass the budget of 100
    assert admission.held == 60
    release.set()
    await asyncio.gather(*tasks)
    assert order == ["a", "b"]


async def test_a_parsed_call_takes_its_records_before_later_calls() -> None:
    admission = line(queue_size=2)  # capacity 3
    order: list[str] = []
    release = asyncio.Event()
    first = asyncio.create_task(hold(admission, 1, 2, order, "first", release))
    await settle()
    big = asyncio.create_task(hold(admission, 1, 3, order, "big", release))
    await settle()
    late = asyncio.create_task(hold(admission, 1, 1, order, "late", release))
    await settle()
    assert order == ["first"]  # big, parsed, waits for its 3 records ahead of late
    release.set()
    await asyncio.gather(first, big, late)
    assert order == ["first", "big", "late"]
    assert admission.pending == 0


async def test_a_call_cancelled_while_waiting_gives_back_nothing_it_did_not_take() -> None:
    admission = line(queue_size=0)
    order: list[str] = []
    release = asyncio.Event()
    first = asyncio.create_task(hold(admission, 5, 1, order, "first", release))
    await settle()
    waiting = asyncio.create_task(hold(admission, 5, 1, order, "waiting", release))
    await settle()
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    assert (admission.pending, admission.held, admission.waiting) == (1, 5, 0)
    release.set()
    await first
    assert (admission.pending, admission.held) == (0, 0)


async def test_a_call_facing_a_long_wait_is_refused_at_once() -> None:
    admission = line(queue_size=0, max_wait=0)
    release = asyncio.Event()
    first = asyncio.create_task(hold(admission, 1, 1, [], "first", release))
    await settle()
    assert await refused(admission) >= 1
    assert admission.pending == 1
    release.set()
    await first


async def test_refused_calls_are_told_to_come_back_one_after_another() -> None:
    admission = line(queue_size=0, max_wait=0)
    for _ in range(5):
        admission.observe(4.0)  # the engine takes about 4 s a record
    release = asyncio.Event()
    first = asyncio.create_task(hold(admission, 1, 1, [], "first", release))
    await settle()
    waits = []
    for _ in range(4):
        waits.append(await refused(admission))
    assert waits == sorted(waits)
    assert len(set(waits)) == len(waits)  # spread over the drain rate, not all at once
    # a record's worth apart: 5 samples of 4 s have taken the pace from 1 s to about 3 s
    assert waits[1] - waits[0] == pytest.approx(3.0, abs=1)
    release.set()
    await first


async def test_the_expected_wait_follows_the_measured_drain_rate() -> None:
    admission = line(queue_size=0)
    release = asyncio.Event()
    first = asyncio.create_task(hold(admission, 1, 1, [], "first", release))
    await settle()
    for _ in range(30):
        admission.observe(2.0)
    slow = admission.expected_wait()
    for _ in range(30):
        admission.observe(0.5)
    assert slow == pytest.approx(2.0, rel=0.05)
    assert admission.expected_wait() == pytest.approx(0.5, rel=0.05)
    release.set()
    await first


async def test_the_pace_is_measured_from_records_leaving_a_busy_line() -> None:
    clock = Clock()
    admission = line(clock, queue_size=0)
    releases = [asyncio.Event() for _ in range(22)]
    tasks = [
        asyncio.create_task(hold(admission, 1, 1, [], str(i), release))
        for i, release in enumerate(releases)
    ]
    await settle()
    for release in releases[:20]:
        clock.now += 0.25  # each record leaves a quarter of a second after the one before
        release.set()
        await settle()
    # one running and one waiting ahead of a newcomer, in a line of one: two records to go
    assert admission.expected_wait() == pytest.approx(2 * 0.25, rel=0.1)
    for release in releases[20:]:
        release.set()
    await asyncio.gather(*tasks)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def full(clock: Clock) -> AsyncIterator[Admission]:
    """A line of one place, taken, that refuses rather than lets calls wait."""
    admission = line(clock, queue_size=0, max_wait=0)
    release = asyncio.Event()
    first = asyncio.create_task(hold(admission, 1, 1, [], "first", release))
    await settle()
    yield admission
    release.set()
    await first


async def test_a_refused_call_that_returns_when_told_takes_its_place(
    full: Admission, clock: Clock
) -> None:
    retry_after = await refused(full, "a")
    back = clock.now + retry_after
    clock.now += 0.5  # a newcomer, before the refused call's time: behind it, so refused too
    await refused(full, "b")
    clock.now = back  # the refused call comes back when told
    await refused(full, "c")  # a newcomer at that moment can't take its place
    returning = asyncio.create_task(hold(full, 1, 1, [], "back", asyncio.Event(), client="a"))
    await settle()
    assert full.waiting == 1  # in line, although the queue is full and max_wait is 0
    returning.cancel()
    await asyncio.gather(returning, return_exceptions=True)


async def test_a_place_not_taken_in_time_is_given_up(full: Admission, clock: Clock) -> None:
    clock.now += await refused(full, "a") + 60  # it never came back
    assert await refused(full) == 1  # nobody is ahead of this one now


async def test_a_caller_from_another_address_takes_an_overdue_place(
    full: Admission, clock: Clock
) -> None:
    clock.now += await refused(full, "10.0.0.1") + 1.5  # back late, from another address
    returning = asyncio.create_task(hold(full, 1, 1, [], "back", asyncio.Event(), client="new"))
    await settle()
    assert full.waiting == 1
    returning.cancel()
    await asyncio.gather(returning, return_exceptions=True)


async def test_a_call_growing_while_others_wait_for_bytes_is_not_held_up() -> None:
    admission = line(queue_size=4, body_budget=100)
    async with admission.enter(60) as ticket:
        waiting = asyncio.create_task(hold(admission, 60, 1, [], "b", asyncio.Event()))
        await settle()
        assert admission.waiting == 1  # its 60 bytes don't fit beside ours
        await asyncio.wait_for(ticket.grow(3), 1)  # records do fit: no one else to wait for
        assert admission.pending == 3
    await settle()
    assert admission.held == 60  # ours given back, b's taken
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)


async def test_calls_admitted_together_can_each_take_a_full_load_of_records() -> None:
    admission = line(queue_size=9)  # capacity 10, MAX_RECORDS' worth
    order: list[str] = []
    release = asyncio.Event()
    release.set()

    async def call(name: str) -> None:
        async with admission.enter(1) as ticket:
            await settle()  # both are reading their bodies before either is parsed
            await ticket.grow(10)
            order.append(name)
            await release.wait()

    await asyncio.wait_for(asyncio.gather(call("a"), call("b")), 2)
    assert sorted(order) == ["a", "b"]
    assert admission.pending == 0
