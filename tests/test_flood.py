import asyncio
import time
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.flood import Bucket, FloodLimiter, Priority, priority_of


async def granted_within(bucket: Bucket, priority: Priority, seconds: float) -> bool:
    try:
        await asyncio.wait_for(bucket.acquire(priority), seconds)
    except TimeoutError:
        return False
    return True


@pytest.mark.parametrize(
    ("endpoint", "priority"),
    [
        ("sendMessage", Priority.REPLY),
        ("sendDocument", Priority.RESULT),
        ("sendMediaGroup", Priority.RESULT),
        ("editMessageText", Priority.STATUS),
        ("sendChatAction", Priority.STATUS),
    ],
)
def test_calls_are_ranked_by_endpoint(endpoint: str, priority: Priority) -> None:
    assert priority_of(endpoint) is priority


async def test_a_full_bucket_makes_calls_wait_for_it_to_drain() -> None:
    bucket = Bucket(5, 0.5)  # 10 a second
    for _ in range(5):
        assert await granted_within(bucket, Priority.REPLY, 0.01)
    started = time.monotonic()
    await bucket.acquire(Priority.REPLY)
    assert 0.07 <= time.monotonic() - started <= 0.3


async def test_status_calls_leave_room_for_replies() -> None:
    bucket = Bucket(20, 60.0)  # drains too slowly to matter here
    edits = 0
    while await granted_within(bucket, Priority.STATUS, 0.01):
        edits += 1
    assert edits == 13  # 35 % of the bucket is left to replies and results
    results = 0
    while await granted_within(bucket, Priority.RESULT, 0.01):
        results += 1
    assert results == 4
    assert await granted_within(bucket, Priority.REPLY, 0.01)


async def test_a_waiting_reply_goes_before_earlier_waiting_edits() -> None:
    bucket = Bucket(4, 0.4)  # one slot every 0.1 s
    for _ in range(4):
        await bucket.acquire(Priority.REPLY)
    order: list[str] = []

    async def call(name: str, priority: Priority) -> None:
        await bucket.acquire(priority)
        order.append(name)

    edits = [asyncio.create_task(call(f"edit{i}", Priority.STATUS)) for i in range(2)]
    await asyncio.sleep(0.01)
    reply = asyncio.create_task(call("reply", Priority.REPLY))
    await asyncio.gather(reply, *edits)
    assert order == ["reply", "edit0", "edit1"]


async def test_a_cancelled_waiter_holds_nobody_up() -> None:
    bucket = Bucket(1, 0.2)
    await bucket.acquire(Priority.REPLY)
    first = asyncio.create_task(bucket.acquire(Priority.REPLY))
    await asyncio.sleep(0.01)
    first.cancel()
    started = time.monotonic()
    await bucket.acquire(Priority.STATUS)
    assert time.monotonic() - started < 0.35


class Telegram:
    """Stands in for the HTTP call PTB hands the limiter; fails as told."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.calls: list[float] = []

    async def __call__(self) -> dict[str, Any]:
        self.calls.append(time.monotonic())
        if self.failures:
            self.failures -= 1
            raise RetryAfter(0)
        return {"ok": True}


async def send(limiter: FloodLimiter, telegram: Telegram, endpoint: str, chat_id: Any) -> Any:
    data = {} if chat_id is None else {"chat_id": chat_id}
    return await limiter.process_request(telegram, (), {}, endpoint, data, None)


async def test_retry_after_is_waited_out_then_the_call_is_repeated() -> None:
    limiter = FloodLimiter(max_retries=2)
    telegram = Telegram(failures=2)
    assert await send(limiter, telegram, "sendMessage", 5) == {"ok": True}
    assert len(telegram.calls) == 3
    assert telegram.calls[1] - telegram.calls[0] >= 0.1


async def test_retry_after_past_the_retries_reaches_the_caller() -> None:
    limiter = FloodLimiter(max_retries=1)
    with pytest.raises(RetryAfter):
        await send(limiter, Telegram(failures=2), "sendMessage", 5)


async def test_a_busy_group_does_not_hold_up_private_chats() -> None:
    limiter = FloodLimiter(group_per_minute=2)
    telegram = Telegram()
    for _ in range(2):
        await send(limiter, telegram, "sendMessage", -100)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(send(limiter, telegram, "sendMessage", "-100"), 0.1)
    await asyncio.wait_for(send(limiter, telegram, "sendMessage", 7), 0.1)
    await asyncio.wait_for(send(limiter, telegram, "answerCallbackQuery", None), 0.1)
    assert len(telegram.calls) == 4
