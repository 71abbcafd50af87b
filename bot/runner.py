"""When jobs run: one user's images in order, everyone's at once, and a stop that loses
nothing. What running a job means is in `steps`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import datetime

from telegram import Bot

from services.contract import Backend
from storage import Batch, Jobs, JobStateError, KeptCutouts, Results

from . import texts
from .clock import utcnow
from .failures import JobFailure
from .i18n import words
from .metrics import BotMetrics
from .status import StatusLine, edit_status
from .steps import Done, JobSteps

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 2  # a job interrupted by restarts this often is given up


class JobRunner:
    """Runs accepted jobs: a user's second image waits for their first; the backend bounds
    how many run at once overall."""

    def __init__(
        self,
        backend: Backend,
        jobs: Jobs,
        results: Results,
        *,
        timeout: float,
        slots: int = 1,
        clock: Callable[[], datetime] = utcnow,
        metrics: BotMetrics | None = None,
        kept: KeptCutouts | None = None,
    ) -> None:
        self._jobs = jobs
        self._clock = clock
        self._locks: dict[int, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._chats: dict[asyncio.Task[None], int] = {}
        self._sending: set[asyncio.Future[None]] = set()
        self._slots = asyncio.Semaphore(slots)  # the backend's width: who waits is told so
        self._steps = JobSteps(
            backend,
            jobs,
            results,
            timeout=timeout,
            slots=self._slots,
            clock=clock,
            metrics=metrics or BotMetrics(),
            kept=kept,
        )

    def submit(self, bot: Bot, batch: Batch) -> None:
        task = asyncio.create_task(self._run(bot, batch), name=f"job-{batch.id}")
        self._tasks.add(task)
        self._chats[task] = batch.lead.chat_id
        task.add_done_callback(self._forget_task)

    def busy_for(self, user_id: int) -> bool:
        """Whether a job of this user's would wait now: for the engine, or for their last one."""
        lock = self._locks.get(user_id)
        return self._slots.locked() or (lock is not None and lock.locked())

    def _forget_task(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._chats.pop(task, None)

    async def forget_chat(self, chat_id: int) -> None:
        """The bot was removed or blocked: stop that chat's jobs and log them as failed."""
        doomed = [task for task, chat in self._chats.items() if chat == chat_id]
        for task in doomed:
            task.cancel()
        await asyncio.gather(*doomed, return_exceptions=True)
        unfinished = await asyncio.to_thread(self._jobs.unfinished)
        gone = JobFailure("", "removed from the chat", tell_user=False)
        for job in unfinished:
            if job.chat_id == chat_id:
                with contextlib.suppress(JobStateError):
                    await self._steps.finish(Done(job, 0.0, failure=gone))

    async def stop(self, grace: float = 30.0) -> None:
        """Cancel jobs at shutdown (they stay in the database and resume), but let files
        already going out finish and be recorded, so a restart never sends them twice."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._sending:
            await asyncio.wait(self._sending, timeout=grace)

    async def drain(self) -> None:
        """Wait for the running jobs (tests, and a graceful stop)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def give_up(self, bot: Bot, batch: Batch, message: str, reason: str) -> None:
        """End jobs without running them, and tell the user."""
        for job in batch.jobs:
            await self._steps.finish(Done(job, 0.0, failure=JobFailure(message, reason)))
        t = words(batch.lead.options.language)
        await edit_status(bot, batch.lead, t(message), last=True)

    async def _run(self, bot: Bot, batch: Batch) -> None:
        user_id = batch.lead.user_id
        lock = self._locks.setdefault(user_id, asyncio.Lock())
        if lock.locked():
            await edit_status(bot, batch.lead, words(batch.lead.options.language)(texts.QUEUED))
        async with lock:
            try:
                await self._process(bot, batch)
            finally:
                if not lock.locked() and self._locks.get(user_id) is lock:
                    del self._locks[user_id]

    async def _process(self, bot: Bot, batch: Batch) -> None:
        started = time.perf_counter()
        batch = await asyncio.to_thread(
            self._jobs.change, batch.id, state="running", now=self._clock()
        )
        line = StatusLine(bot, batch.lead)
        done = await self._steps.attempt_all(bot, batch, line)
        # From here on, files go out: a stop waits for this part rather than cutting it short.
        finishing = asyncio.ensure_future(self._steps.conclude(bot, batch, done, started, line))
        self._sending.add(finishing)
        finishing.add_done_callback(self._sending.discard)
        await asyncio.shield(finishing)
