"""What a button acts on: one job, or an album's jobs (a batch) as one."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from storage import Job, Jobs, JobSource, Quota

from .clock import utcnow


@dataclass(frozen=True)
class Unit:
    id: str  # the job id, or the batch id of an album
    jobs: list[Job]
    batch: bool

    @property
    def lead(self) -> Job:
        return self.jobs[0]

    @classmethod
    def of(cls, jobs: list[Job]) -> Unit:
        lead = jobs[0]
        if lead.batch_id is not None:
            return cls(lead.batch_id, jobs, True)
        return cls(lead.id, jobs, False)


async def load(store: Jobs, unit_id: str) -> Unit | None:
    job = await asyncio.to_thread(store.get, unit_id)
    if job is not None:
        return Unit(job.id, [job], False)
    jobs = await asyncio.to_thread(store.batch, unit_id)
    return Unit(unit_id, jobs, True) if jobs else None


async def create(
    store: Jobs,
    sources: list[JobSource],
    *,
    options: Mapping[str, Any],
    model: str | None,
    state: str,
    quota: Quota | None,
) -> Unit:
    """New jobs, one per image; several become one batch. Raises QuotaExceededError."""
    if len(sources) == 1:
        job = await asyncio.to_thread(
            store.create,
            sources[0],
            options=options,
            model=model,
            state=state,
            now=utcnow(),
            quota=quota,
        )
        return Unit(job.id, [job], False)
    batch_id = "b" + secrets.token_urlsafe(7)
    for source in sources:
        await asyncio.to_thread(
            store.create, replace(source, batch_id=batch_id), options=options, now=utcnow()
        )
    unit = Unit(batch_id, await asyncio.to_thread(store.batch, batch_id), True)
    if state != "choosing":
        unit = await set_state(store, unit, state, model=model, quota=quota)
    return unit


async def set_state(
    store: Jobs,
    unit: Unit,
    state: str,
    *,
    model: str | None = None,
    from_states: tuple[str, ...] | None = None,
    quota: Quota | None = None,
) -> Unit:
    """Raises JobStateError (a double tap) or QuotaExceededError; then nothing changed."""
    return await _apply(
        unit,
        store.set_state,
        store.set_batch_state,
        state,
        model=model,
        now=utcnow(),
        from_states=from_states,
        quota=quota,
    )


async def update(
    store: Jobs,
    unit: Unit,
    *,
    options: Mapping[str, Any] | None = None,
    status_message_id: int | None = None,
    from_states: tuple[str, ...] | None = None,
) -> Unit:
    return await _apply(
        unit,
        store.update,
        store.update_batch,
        now=utcnow(),
        options=options,
        status_message_id=status_message_id,
        from_states=from_states,
    )


async def _apply(
    unit: Unit,
    single: Callable[..., Job],
    batch: Callable[..., list[Job]],
    *args: Any,
    **kwargs: Any,
) -> Unit:
    """One change, to the job or, in one transaction, to every job of the album."""
    if unit.batch:
        return Unit(unit.id, await asyncio.to_thread(batch, unit.id, *args, **kwargs), True)
    return Unit(unit.id, [await asyncio.to_thread(single, unit.id, *args, **kwargs)], False)


def sources_of(unit: Unit) -> list[JobSource]:
    """The images again, for a redo without a new upload."""
    return [
        JobSource(
            user_id=job.user_id,
            username=job.username,
            chat_id=job.chat_id,
            chat_type=job.chat_type,
            source_message_id=job.source_message_id,
            file_id=job.file_id,
            file_unique_id=job.file_unique_id,
            file_name=job.file_name,
            file_size=job.file_size,
            kind=job.kind,
        )
        for job in unit.jobs
    ]
