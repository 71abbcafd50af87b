"""A job's steps, image by image: download, remove the background, deliver, report."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime

from telegram import Bot
from telegram.constants import ChatAction
from telegram.error import TelegramError

from services.contract import Backend, OutputOptions, RemoveBgError, RemoveBgResult
from services.contract.wire import Model, as_model
from services.engine.composer import Composer
from services.logs import REQUEST_ID, new_request_id
from storage import Batch, Job, JobOptions, Jobs, KeptCutouts, Results, UsageRow

from . import delivery, keyboards, looks, texts
from .failures import JobFailure, from_backend
from .i18n import words
from .metrics import BotMetrics
from .status import StatusLine, edit_status

log = logging.getLogger(__name__)
CHAT_ACTION_EVERY = 4.5  # Telegram shows an action for 5 s
CHAT_ACTION_AFTER = 1.0  # a quick job needs none: its status edit says enough
QUEUE_NOTICE_AFTER = 2.0
UNCHOSEN = "fast"  # the usage log's model for a job ended before a model was chosen


@dataclass
class Done:
    """One job's outcome within its batch."""

    job: Job
    seconds: float
    result: RemoveBgResult | None = None
    failure: JobFailure | None = None
    sent: tuple[delivery.Sent, ...] = ()


class JobSteps:
    """What running one batch means; the scheduler (`runner.JobRunner`) decides when."""

    def __init__(
        self,
        backend: Backend,
        jobs: Jobs,
        results: Results,
        *,
        timeout: float,
        slots: asyncio.Semaphore,
        clock: Callable[[], datetime],
        metrics: BotMetrics,
        composer: Composer | None = None,
        kept: KeptCutouts | None = None,
    ) -> None:
        self._backend = backend
        self._composer = composer or Composer()
        self._kept = kept
        self._jobs = jobs
        self._results = results
        self._timeout = timeout
        self._slots = slots  # the backend's width, shared with the scheduler
        self._clock = clock
        self._metrics = metrics

    async def attempt_all(self, bot: Bot, batch: Batch, line: StatusLine) -> list[Done]:
        """Download and cut out each image in turn; failures are kept, never raised."""
        return [await self._attempt(bot, batch, i, line) for i in range(len(batch.jobs))]

    async def conclude(
        self, bot: Bot, batch: Batch, done: list[Done], started: float, line: StatusLine
    ) -> None:
        """Deliver what worked, record every job's usage, and turn the status into a summary."""
        good = [d for d in done if d.result is not None]
        if good:  # no "sending" edit: every call counts against Telegram's flood limits
            await self._deliver(bot, batch, good)
        for d in done:
            await self.finish(d)
        await line.settle()
        await self._report(bot, batch, done, time.perf_counter() - started)

    async def _attempt(self, bot: Bot, batch: Batch, index: int, line: StatusLine) -> Done:
        """One image of the batch; any failure is kept, never raised."""
        job = batch.jobs[index]
        started = time.perf_counter()
        try:
            result = await self._cut_out(bot, batch, index, line)
        except JobFailure as failure:
            return Done(job, time.perf_counter() - started, failure=failure)
        except Exception as exc:  # logged here, and the user is told
            log.exception("job %s failed unexpectedly", job.id)
            unexpected = JobFailure(texts.UNEXPECTED, f"unexpected: {type(exc).__name__}")
            return Done(job, time.perf_counter() - started, failure=unexpected)
        return Done(job, time.perf_counter() - started, result=result)

    async def _cut_out(
        self, bot: Bot, batch: Batch, index: int, line: StatusLine
    ) -> RemoveBgResult:
        job = batch.jobs[index]
        t = words(job.options.language)
        count = len(batch.jobs)
        of = " " + t(texts.IMAGE_OF, index=index + 1, count=count) if count > 1 else ""
        model = as_model(job.model)  # a job is given its model before it is queued
        if job.options.recompose and (kept := await self._kept_cutout(job, model)) is not None:
            return await self._recompose(bot, job, kept, model, line, t(texts.COMPOSING) + of)
        data = await delivery.download(bot, job)  # outside the slot: overlaps others' work
        notice = None
        if index == 0 and self._slots.locked():  # said only if the wait is noticeable
            loop = asyncio.get_running_loop()
            waiting = t(texts.WAITING_FOR_ENGINE)
            notice = loop.call_later(QUEUE_NOTICE_AFTER, line.show, waiting)
        waited = time.perf_counter()
        async with self._slots:  # the status and the chat action follow the work itself
            self._metrics.queue_wait.observe(time.perf_counter() - waited)
            if notice is not None:
                notice.cancel()
            line.show(t(texts.REMOVING, model=t(texts.MODEL_NAMES[model])) + of)
            return await self._remove(bot, job, data, model)

    async def _remove(self, bot: Bot, job: Job, data: bytes, model: Model) -> RemoveBgResult:
        options = backend_options(job.options)
        token = REQUEST_ID.set(f"job-{job.id}-{new_request_id()[:8]}")  # to the server too
        try:
            async with _chat_action(bot, job.chat_id), asyncio.timeout(self._timeout):
                result = await self._backend.remove(data, model=model, options=options)
                if result.image_format == "png":  # a backend never crops: ours is composed
                    await self._keep(job, result)
                if not job.options.has_look:
                    return result
                return await looks.compose(
                    bot,
                    self._composer,
                    job,
                    data,
                    result.image,
                    model=model,
                    spent=result.processing_time,
                )
        except RemoveBgError as exc:
            self._metrics.backend_error(exc)
            raise from_backend(exc) from exc
        except TimeoutError as exc:
            self._metrics.backend_error(exc)
            raise JobFailure(texts.BACKEND_TIMEOUT, "backend timeout", retry=True) from exc
        finally:
            REQUEST_ID.reset(token)

    async def _recompose(
        self, bot: Bot, job: Job, kept: bytes, model: Model, line: StatusLine, status: str
    ) -> RemoveBgResult:
        """A new look on the cut-out kept from before: no model runs."""
        original = None
        if job.options.background == "blur":  # made from the original's own pixels
            original = await delivery.download(bot, job)
        async with self._slots:
            line.show(status)
            async with asyncio.timeout(self._timeout):
                return await looks.compose(bot, self._composer, job, original, kept, model=model)

    async def _kept_cutout(self, job: Job, model: Model) -> bytes | None:
        if self._kept is None:
            return None
        return await asyncio.to_thread(self._kept.get, looks.kept_key(job, model))

    async def _keep(self, job: Job, result: RemoveBgResult) -> None:
        """Keep a transparent, uncropped cut-out for new looks later; best effort."""
        if self._kept is None:
            return
        try:
            await asyncio.to_thread(
                self._kept.put, looks.kept_key(job, result.model), result.image
            )
        except OSError as exc:
            log.warning("could not keep the cut-out of job %s: %s", job.id, exc)

    async def _deliver(self, bot: Bot, batch: Batch, good: list[Done]) -> None:
        """Send every good job's files at once; a failure to send fails them all."""
        results = [(d.job, d.result) for d in good if d.result is not None]
        files = [out for job, result in results for out in delivery.outputs(job, result)]
        lead = results[0][1]
        t = words(batch.lead.options.language)
        seconds = texts.seconds(t, sum(d.seconds for d in good))
        caption = f"{t(texts.MODEL_NAMES[lead.model])} · {seconds}"
        try:
            sent = await delivery.send(bot, batch.lead, files, caption)
        except JobFailure as failure:
            for d in good:
                d.result, d.failure = None, failure
            return
        for d in good:
            d.sent = tuple(s for s in sent if s.output.job.id == d.job.id)
            if d.job.options.sticker and d.result is not None:
                d.sent += await delivery.send_sticker(bot, t, d.job, d.result)
        await asyncio.to_thread(self._remember, [s for d in good for s in d.sent])

    def _remember(self, sent: list[delivery.Sent]) -> None:
        """Keep the sent files' ids, for inline sharing."""
        for s in sent:
            file = s.message.document or s.message.sticker
            if file is not None:
                job = s.output.job
                self._results.add(
                    job.id,
                    job.user_id,
                    job.chat_id,
                    s.output.kind,
                    file.file_id,
                    file.file_unique_id,
                    s.output.name,
                    now=self._clock(),
                )

    async def _report(self, bot: Bot, batch: Batch, done: list[Done], seconds: float) -> None:
        """Turn the status message into the summary, or into the failure's message."""
        failed = [d.failure for d in done if d.failure is not None]
        sent = [s for d in done for s in d.sent]
        model = as_model(batch.lead.model)
        t = words(batch.lead.options.language)
        if not sent:
            first = failed[0]
            if first.tell_user:
                markup = keyboards.retry(t, batch.id, model) if first.retry else None
                await edit_status(bot, batch.lead, first.said(t), markup, last=True)
            return
        names = (
            ", ".join(s.output.name for s in sent)
            if len(batch.jobs) == 1
            else t(texts.IMAGES, count=len(done) - len(failed))
        )
        model_name = t(texts.MODEL_NAMES[model])
        summary = t(texts.DONE, model=model_name, time=texts.seconds(t, seconds), files=names)
        if failed:
            reason = failed[0].said(t)
            summary += "\n" + t(texts.SOME_FAILED, count=len(failed), reason=reason)
        markup = keyboards.result(t, batch.id, model)
        await edit_status(bot, batch.lead, summary, markup, last=True)

    async def finish(self, done: Done) -> None:
        row = _usage(done, self._clock())
        if done.failure is not None:
            log.info("job %s failed: %s", done.job.id, done.failure.reason)
        await asyncio.to_thread(self._jobs.finish, done.job.id, row, now=self._clock())


def backend_options(options: JobOptions) -> OutputOptions:
    """The contract's options, made from the user's choice for the job: the one place the bot
    speaks to a backend. A sticker is the bot's own business, so it stays out; with a
    background or a crop, the bot asks for the plain cut-out and composes the rest itself."""
    return OutputOptions(image_format="png") if options.has_look else looks.outputs_of(options)


@contextlib.asynccontextmanager
async def _chat_action(bot: Bot, chat_id: int) -> AsyncIterator[None]:
    """Keep "sending a file…" showing while the block runs."""

    async def refresh() -> None:
        await asyncio.sleep(CHAT_ACTION_AFTER)
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


def _usage(done: Done, now: datetime) -> UsageRow:
    job, result = done.job, done.result
    return UsageRow(
        created_at=now,
        user_id=job.user_id,
        username=job.username,
        chat_id=job.chat_id,
        chat_type=job.chat_type,
        model=job.model or UNCHOSEN,
        options=job.options,
        input_bytes=job.file_size or 0,
        width=result.width if result else None,
        height=result.height if result else None,
        outputs=[s.output.kind for s in done.sent],
        processing_s=result.processing_time if result else None,
        total_s=done.seconds,
        status="error" if done.failure else "ok",
        error=done.failure.reason if done.failure else None,
        job_id=job.id,
    )
