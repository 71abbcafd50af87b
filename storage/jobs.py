"""The `jobs` table: jobs the bot accepted, from the model choice to the answer, so it can
resume after a restart. The rows, the states and the rules of a change are in `job_states.py`.

Jobs are made, found and changed a batch at a time (one image, or an album's); only `finish`
acts on one job, since each image has its own usage row. Inline buttons carry a batch's short
`id`, so finished jobs stay until `prune`.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, replace
from datetime import datetime

from .database import SharedDatabase
from .errors import JobNotFoundError, JobStateError, QuotaExceededError, StorageError
from .job_states import (
    FINISHED,
    STATES,
    UNFINISHED,
    Batch,
    Change,
    Job,
    JobSource,
    check_model,
)
from .quota import Quota, units_pending, units_used
from .times import iso, parse
from .usage import UsageRow, insert_usage
from .users import JobOptions

_ID_BYTES = 8  # secrets.token_urlsafe(8): 11 characters of [A-Za-z0-9_-]
_UPDATE = (
    "UPDATE jobs SET state = coalesce(:state, state), updated_at = :now,"
    " attempts = attempts + (coalesce(:state, state) = 'running' AND state != 'running'),"
    " error = CASE WHEN :state IS NOT NULL THEN :error ELSE error END,"
    " model = coalesce(:model, model), options = coalesce(:options, options),"
    " status_message_id = coalesce(:status_message_id, status_message_id)"
    " WHERE batch_id = :batch_id"
)


class Jobs:
    """The `jobs` table. Every method is safe to call from any thread.

    With a `quota`, a change that makes jobs 'queued' or 'running' raises QuotaExceededError,
    and changes nothing, if it would take their user past today's units (see `quota.py`).
    """

    def __init__(self, db: SharedDatabase) -> None:
        self._db = db

    def create(
        self,
        sources: Sequence[JobSource],
        *,
        options: JobOptions,
        now: datetime,
        model: str | None = None,
        state: str = "choosing",
        quota: Quota | None = None,
    ) -> Batch:
        """A new batch, one job per image, 'choosing' their model or already 'queued'.

        The batch's id is its first job's id. Before batches had ids of their own, a button
        of a single job carried the job's id, and m003 put each such job in a batch under
        that id: one lookup by batch id serves the old buttons and the new alike.
        """
        if not sources:
            raise ValueError("a batch needs at least one image")
        if state not in ("choosing", "queued"):
            raise ValueError(f"a new job is 'choosing' or 'queued', not {state!r}")
        check_model(model, state)
        stamp = iso(now)
        values = {
            "model": model,
            "options": options.to_json(),
            "state": state,
            "created_at": stamp,
            "updated_at": stamp,
        }
        with self._db.lock, self._db.atomic():
            if quota is not None and state == "queued":
                for user_id in sorted({source.user_id for source in sources}):
                    count = sum(1 for source in sources if source.user_id == user_id)
                    self._enforce(quota, user_id, quota.charge(model, options) * count, now=now)
            batch_id = self._new_id()
            for n, source in enumerate(sources):
                job_id = batch_id if n == 0 else self._new_id()
                row = {**asdict(source), **values, "id": job_id, "batch_id": batch_id}
                self._db.execute(
                    f"INSERT INTO jobs ({', '.join(row)})"
                    f" VALUES ({', '.join(':' + name for name in row)})",
                    row,
                )
            return self._get_batch(batch_id)

    def get(self, job_id: str) -> Job | None:
        """The job, or None if it never existed or was pruned."""
        with self._db.lock:
            return self._find(job_id)

    def batch(self, batch_id: str) -> Batch | None:
        """The batch, or None if it never existed or was pruned."""
        with self._db.lock:
            jobs = self._jobs_of(batch_id)
        return Batch(batch_id, jobs) if jobs else None

    def change(
        self,
        batch_id: str,
        *,
        now: datetime,
        state: str | None = None,
        error: str | None = None,
        model: str | None = None,
        options: JobOptions | None = None,
        status_message_id: int | None = None,
        from_states: Collection[str] | None = None,
        quota: Quota | None = None,
    ) -> Batch:
        """Change every job of the batch in one transaction, and return the batch.

        With a `state`, the jobs move to it and `error` is stored as given (None clears it).
        Without one, states and errors stay as they are, so a late change (a status message)
        cannot undo a state change another task made meanwhile. `model`, `options` and
        `status_message_id` change only when given. With `from_states`, raise JobStateError
        unless every job is in one of them (a guard against double taps). If any job may not
        change (JobStateError, ValueError, QuotaExceededError), none does. Use `finish` for
        'done', so every done job has its usage row. Raises JobNotFoundError for a batch
        without jobs.
        """
        if state is not None and (state not in STATES or state == "done"):
            raise ValueError(f"cannot move a job to {state!r}; finish() marks it done")
        if state is None and error is not None:
            raise ValueError("an error is stored with a state")
        change = Change(
            state=state,
            error=error,
            model=model,
            options=options,
            status_message_id=status_message_id,
            from_states=from_states,
            quota=quota,
        )
        with self._db.lock, self._db.atomic():
            self._change(self._get_batch(batch_id), change, now=now)
            return self._get_batch(batch_id)

    def finish(self, job_id: str, usage: UsageRow, *, now: datetime) -> Job:
        """In one transaction, log `usage` and mark the job 'done' ('failed' when
        `usage.status` is 'error'). Raises JobStateError if the job is already finished."""
        if usage.job_id not in (None, job_id):
            raise ValueError(f"usage is for job {usage.job_id!r}, not {job_id!r}")
        state = "failed" if usage.status == "error" else "done"
        with self._db.lock, self._db.atomic():
            if self._get(job_id).finished:
                raise JobStateError(f"job {job_id} is already finished")
            self._db.execute(
                "UPDATE jobs SET state = ?, updated_at = ?, error = ?, model = ? WHERE id = ?",
                (state, iso(now), usage.error, usage.model, job_id),
            )
            insert_usage(self._db, replace(usage, job_id=job_id))
            return self._get(job_id)

    def unfinished(self) -> list[Job]:
        """Jobs still choosing, queued or running, oldest first: what to resume on start-up."""
        with self._db.lock:
            rows = list(
                self._db.query(
                    "SELECT * FROM jobs WHERE state IN (?, ?, ?) ORDER BY created_at, rowid",
                    UNFINISHED,
                )
            )
        return [Job.from_row(row) for row in rows]

    def units_pending(self, user_id: int, costs: Mapping[str, int]) -> int:
        """Units of the user's 'queued' and 'running' jobs (a model not in `costs` costs 1).
        Add `UsageLog.units_used` for the user's total today."""
        with self._db.lock:
            return units_pending(self._db, user_id, costs=costs)

    def recent_job_times(self, user_id: int, *, since: datetime) -> list[datetime]:
        """When the user's jobs created at or after `since` were created, oldest first, for a
        rate limit that survives restarts. Every image counts, each one of an album too."""
        with self._db.lock:
            rows = self._db.execute(
                "SELECT created_at FROM jobs WHERE user_id = ? AND created_at >= ?"
                " ORDER BY created_at, rowid",
                (user_id, iso(since)),
            ).fetchall()
        return [parse(created_at) for (created_at,) in rows]

    def counts(self) -> dict[tuple[str, str], int]:
        """How many jobs there are, by state and model ("none" before one is chosen)."""
        with self._db.lock:
            rows = self._db.execute(
                "SELECT state, coalesce(model, 'none'), count(*) FROM jobs GROUP BY 1, 2"
            ).fetchall()
        return {(state, model): count for state, model, count in rows}

    def prune(self, *, older_than: datetime) -> int:
        """Delete finished jobs, and jobs left 'choosing', untouched since `older_than`."""
        with self._db.lock:
            return self._db.execute(
                "DELETE FROM jobs WHERE updated_at < ? AND state IN (?, ?, ?)",
                (iso(older_than), *FINISHED, "choosing"),
            ).rowcount

    def _change(self, batch: Batch, change: Change, *, now: datetime) -> None:
        """Check `change` against every job, then make it. The caller holds the lock and has
        a transaction open."""
        jobs = batch.jobs
        for job in jobs:
            change.check(job)
        if change.quota is not None:
            for user_id in sorted({job.user_id for job in jobs}):
                added = sum(change.added_units(job) for job in jobs if job.user_id == user_id)
                self._enforce(change.quota, user_id, added, now=now)
        values = {
            "state": change.state,
            "now": iso(now),
            "error": change.error,
            "model": change.model,
            "options": None if change.options is None else change.options.to_json(),
            "status_message_id": change.status_message_id,
            "batch_id": batch.id,
        }
        self._db.execute(_UPDATE, values)

    def _enforce(self, quota: Quota, user_id: int, added: int, *, now: datetime) -> None:
        if added <= 0:
            return
        used = units_used(self._db, user_id, now=now, costs=quota.costs)
        used += units_pending(self._db, user_id, costs=quota.costs)
        if used + added > quota.limit:
            raise QuotaExceededError(user_id=user_id, used=used, needed=added, limit=quota.limit)

    def _new_id(self) -> str:
        """A short id that no job and no batch has. The caller holds the lock."""
        for _ in range(5):
            new = secrets.token_urlsafe(_ID_BYTES)
            taken = self._db.execute(
                "SELECT 1 FROM jobs WHERE id = ? OR batch_id = ?", (new, new)
            ).fetchone()
            if taken is None:
                return new
        raise StorageError("no free job id after 5 tries")  # 2**64 ids: never in practice

    def _jobs_of(self, batch_id: str) -> tuple[Job, ...]:
        rows = self._db.query(
            "SELECT * FROM jobs WHERE batch_id = ? ORDER BY source_message_id, rowid", (batch_id,)
        )
        return tuple(Job.from_row(row) for row in rows)

    def _get_batch(self, batch_id: str) -> Batch:
        jobs = self._jobs_of(batch_id)
        if not jobs:
            raise JobNotFoundError(f"no jobs in batch {batch_id!r}")
        return Batch(batch_id, jobs)

    def _find(self, job_id: str) -> Job | None:
        rows = list(self._db.query("SELECT * FROM jobs WHERE id = ?", (job_id,)))
        return Job.from_row(rows[0]) if rows else None

    def _get(self, job_id: str) -> Job:
        job = self._find(job_id)
        if job is None:
            raise JobNotFoundError(f"no job {job_id!r}")
        return job
