"""Telegram's flood limits, kept with first answers ahead of status edits.

Telegram allows about 30 messages a second overall and 20 a minute in a group. PTB's
`AIORateLimiter` keeps to them first come, first served, so in a rush a new person's choice
keyboard waits behind other people's status edits. This limiter keeps the same limits with a
leaky bucket per scope (overall, each group), but it serves waiting calls by priority, and the
less urgent calls leave headroom in each bucket, so a first answer can always go at once:

    REPLY   sendMessage: the answer to something a person just did   uses all of a bucket
    RESULT  cut-outs, albums and stickers                            leaves RESERVE[RESULT]
    STATUS  edits, chat actions and anything else                    leaves RESERVE[STATUS]

Only calls with a `chat_id` count, as with PTB's. A `RetryAfter` from Telegram pauses every
call for its `retry_after`, then the call is tried again, up to `max_retries` times.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import time
import warnings
from collections.abc import Callable, Coroutine
from enum import IntEnum
from typing import Any

from telegram.error import RetryAfter, TelegramError
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

log = logging.getLogger(__name__)

Answer = bool | dict[str, Any] | list[dict[str, Any]]
Call = Callable[..., Coroutine[Any, Any, Answer]]


class Priority(IntEnum):
    REPLY = 0
    RESULT = 1
    STATUS = 2


RESULTS = frozenset(
    {"sendDocument", "sendMediaGroup", "sendSticker", "sendPhoto", "sendAnimation"}
)
RESERVE = {Priority.REPLY: 0.0, Priority.RESULT: 0.15, Priority.STATUS: 0.35}  # of a bucket
GROUP_BUCKETS_KEPT = 512


def wait_of(exc: RetryAfter) -> float:
    """`retry_after` in seconds, whichever type this PTB version gives it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)  # int now, timedelta later
        pause = exc.retry_after
    return float(pause) if isinstance(pause, int | float) else pause.total_seconds()


def priority_of(endpoint: str) -> Priority:
    if endpoint == "sendMessage":
        return Priority.REPLY
    return Priority.RESULT if endpoint in RESULTS else Priority.STATUS


class Bucket:
    """A leaky bucket of `capacity` calls that drains in `period` seconds, served by priority."""

    def __init__(self, capacity: float, period: float) -> None:
        self.capacity = capacity
        self.rate = capacity / period
        self.level = 0.0
        self._stamp = time.monotonic()
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._timer: asyncio.TimerHandle | None = None

    def ceiling(self, priority: Priority) -> float:
        return max(1.0, self.capacity * (1.0 - RESERVE[priority]))

    @property
    def idle(self) -> bool:
        self._drain()
        return not self._waiting and self.level == 0.0

    async def acquire(self, priority: Priority) -> None:
        granted = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (priority, next(self._order), granted))
        self._pump()
        try:
            await granted
        except asyncio.CancelledError:
            if not granted.cancelled():  # granted as it was cancelled: the slot is spent
                raise
            self._pump()  # a cancelled head must not hold up the others
            raise

    def _drain(self) -> None:
        now = time.monotonic()
        self.level = max(0.0, self.level - (now - self._stamp) * self.rate)
        self._stamp = now

    def _pump(self) -> None:
        """Grant every waiting call that fits, best first; set a timer for the next one."""
        self._drain()
        while self._waiting:
            priority, _, granted = self._waiting[0]
            if granted.done():
                heapq.heappop(self._waiting)
                continue
            if self.level + 1.0 > self.ceiling(Priority(priority)) + 1e-9:
                break
            heapq.heappop(self._waiting)
            self.level += 1.0
            granted.set_result(None)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._waiting:
            head = Priority(self._waiting[0][0])
            delay = (self.level + 1.0 - self.ceiling(head)) / self.rate
            self._timer = asyncio.get_running_loop().call_later(max(delay, 0.001), self._pump)


class FloodLimiter(BaseRateLimiter[int]):
    """Telegram's flood limits with first answers first; `rate_limit_args` is max retries."""

    def __init__(
        self,
        *,
        overall_per_second: float = 30,
        group_per_minute: float = 20,
        max_retries: int = 3,
        on_error: Callable[[str, TelegramError], None] = lambda method, exc: None,
    ) -> None:
        self._on_error = on_error
        self._overall = Bucket(overall_per_second, 1.0) if overall_per_second else None
        self._group_per_minute = group_per_minute
        self._groups: dict[int | str, Bucket] = {}
        self._max_retries = max_retries
        self._open = asyncio.Event()
        self._open.set()

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def process_request(
        self,
        callback: Call,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Answer:
        retries = self._max_retries if rate_limit_args is None else rate_limit_args
        chat_id = data.get("chat_id")
        priority = priority_of(endpoint)
        for attempt in itertools.count():
            if chat_id is not None:
                await self._admit(chat_id, priority)
            await self._open.wait()
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                self._on_error(endpoint, exc)
                if attempt >= retries:
                    raise
                seconds = wait_of(exc)
                log.info("Telegram asked to wait %.1f s before %s", seconds, endpoint)
                self._open.clear()
                try:
                    await asyncio.sleep(seconds + 0.1)
                finally:
                    self._open.set()
            except TelegramError as exc:
                self._on_error(endpoint, exc)
                raise
        raise AssertionError("unreachable")

    async def _admit(self, chat_id: object, priority: Priority) -> None:
        group = self._group_of(chat_id)
        if group is not None and self._group_per_minute:
            await self._group_bucket(group).acquire(priority)
        if self._overall is not None:
            await self._overall.acquire(priority)

    @staticmethod
    def _group_of(chat_id: object) -> int | str | None:
        """Groups have negative ids, or are named by @username."""
        if isinstance(chat_id, str):
            with contextlib.suppress(ValueError):
                chat_id = int(chat_id)
        if isinstance(chat_id, int):
            return chat_id if chat_id < 0 else None
        return chat_id if isinstance(chat_id, str) else None

    def _group_bucket(self, group: int | str) -> Bucket:
        if group not in self._groups and len(self._groups) >= GROUP_BUCKETS_KEPT:
            for key in [k for k, bucket in self._groups.items() if bucket.idle]:
                del self._groups[key]
        bucket = self._groups.get(group)
        if bucket is None:
            bucket = self._groups[group] = Bucket(self._group_per_minute, 60.0)
        return bucket
