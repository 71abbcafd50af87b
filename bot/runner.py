"""Jobs from acceptance to answer: one user's images in order, everyone's at once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

from telegram import Bot
from telegram.constants import ChatAction
from telegram.error import TelegramError

from services.removebg import Backend, OutputOptions, RemoveBgError, RemoveBgResult
from storage import Job, Jobs, JobStateError, UsageRow

from . import delivery, keyboards, texts
from .failures import JobFailure, from_backend
from .messages import edit_status

log = logging.getLogger(__name__)
CHAT_ACTION_EVERY = 4.5  # Telegram shows an action for 5 s
MAX_ATTEMPTS = 2  # a job interrupted by restarts this often is given up


def utcnow() -> datetime:
    return datetime.now(UTC)


class JobRunner:
    """Runs accepted jobs: a user's second image waits for their first; the backend bounds
    how many run at once overall."""

    def __init__(
        self,
        backend: Backend,
        jobs: Jobs,
        *,
        timeout: float,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._backend = backend
        self._jobs = jobs
        self._timeout = timeout
        self._clock = clock
        self._locks: dict[int, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._chats: dict[asyncio.Task[None], int] = {}

    def submit(self, bot: Bot, job: Job) -> None:
        task = asyncio.create_task(self._run(bot, job), name=f"job-{job.id}")
        self._tasks.add(task)
        self._chats[task] = job.chat_id
        task.add_done_callback(self._forget_task)

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
        for job in unfinished:
            if job.chat_id == chat_id:
                row = _usage(job, self._clock(), None, [], 0.0, "removed from the chat")
                with contextlib.suppress(JobStateError):
                    await self._finish(job, row)

    async def stop(self) -> None:
        """Cancel running jobs at shutdown; they stay 'running' in the database and resume."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def drain(self) -> None:
        """Wait for the running jobs (tests, and a graceful stop)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _run(self, bot: Bot, job: Job) -> None:
        lock = self._locks.setdefault(job.user_id, asyncio.Lock())
        if lock.locked():
            await edit_status(bot, job, texts.QUEUED)
        async with lock:
            try:
                await self._process(bot, job)
            finally:
                if not lock.locked() and self._locks.get(job.user_id) is lock:
                    del self._locks[job.user_id]

    async def _process(self, bot: Bot, job: Job) -> None:
        started = time.perf_counter()
        await self._set_state(job, "running")
        try:
            result = await self._cut_out(bot, job)
            await edit_status(bot, job, texts.UPLOADING)
            sent = await delivery.send(bot, job, result)
        except JobFailure as failure:
            await self._fail(bot, job, failure, time.perf_counter() - started)
            return
        except Exception as exc:  # logged by us, then the user is told
            log.exception("job %s failed unexpectedly", job.id)
            unexpected = JobFailure(texts.UNEXPECTED, f"unexpected: {type(exc).__name__}")
            await self._fail(bot, job, unexpected, time.perf_counter() - started)
            return
        total = time.perf_counter() - started
        await self._finish(job, _usage(job, self._clock(), result, sent, total))
        names = ", ".join(output.name for output in sent)
        summary = texts.DONE.format(
            model=texts.MODEL_NAMES[result.model], seconds=total, files=names
        )
        await edit_status(bot, job, summary, keyboards.result(job.id, result.model), last=True)

    async def _cut_out(self, bot: Bot, job: Job) -> RemoveBgResult:
        await edit_status(bot, job, texts.DOWNLOADING)
        data = await delivery.download(bot, job)
        model = job.model or "fast"
        await edit_status(bot, job, texts.REMOVING.format(model=texts.MODEL_NAMES[model]))
        options = OutputOptions.model_validate(job.options)
        try:
            async with _chat_action(bot, job.chat_id), asyncio.timeout(self._timeout):
                return await self._backend.remove(data, model=model, options=options)  # type: ignore[arg-type]
        except RemoveBgError as exc:
            raise from_backend(exc) from exc
        except TimeoutError as exc:
            raise JobFailure(texts.BACKEND_TIMEOUT, "backend timeout", retry=True) from exc

    async def _fail(self, bot: Bot, job: Job, failure: JobFailure, seconds: float) -> None:
        log.info("job %s failed: %s", job.id, failure.reason)
        await self._finish(job, _usage(job, self._clock(), None, [], seconds, failure.reason))
        if failure.tell_user:
            markup = keyboards.retry(job.id, job.model or "fast") if failure.retry else None
            await edit_status(bot, job, failure.message, markup, last=True)

    async def give_up(self, bot: Bot, job: Job, message: str, reason: str) -> None:
        """End a job without running it, and tell the user."""
        await self._fail(bot, job, JobFailure(message, reason), 0.0)

    async def _set_state(self, job: Job, state: str) -> None:
        await asyncio.to_thread(self._jobs.set_state, job.id, state, now=self._clock())

    async def _finish(self, job: Job, row: UsageRow) -> None:
        await asyncio.to_thread(self._jobs.finish, job.id, row, now=self._clock())


@contextlib.asynccontextmanager
async def _chat_action(bot: Bot, chat_id: int) -> AsyncIterator[None]:
    """Keep "sending a file…" showing while the block runs."""

    async def refresh() -> None:
        while True:
            with contextlib.suppress(TelegramError):
                await bot.send_chat_action(chat_id, ChatAction.UPLOAD_DOCUMENT)
            await asyncio.sleep(CHAT_ACTION_EVERY)

    task = asyncio.create_task(refresh())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _usage(
    job: Job,
    now: datetime,
    result: RemoveBgResult | None,
    sent: list[delivery.Output],
    total: float,
    error: str | None = None,
) -> UsageRow:
    return UsageRow(
        created_at=now,
        user_id=job.user_id,
        username=job.username,
        chat_id=job.chat_id,
        chat_type=job.chat_type,
        model=job.model or "fast",
        options=job.options,
        input_bytes=job.file_size or 0,
        width=result.width if result else None,
        height=result.height if result else None,
        outputs=[output.kind for output in sent],
        processing_s=result.processing_time if result else None,
        total_s=total,
        status="error" if error else "ok",
        error=error,
        job_id=job.id,
    )
