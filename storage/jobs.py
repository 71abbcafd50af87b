"""Jobs the bot accepted, from the model choice to the answer, so it can resume after a restart.

    choosing ──▶ queued ──▶ running ──▶ done | failed     (finish)
        └─────────────────────────────────▶ failed        (set_state, e.g. given up)
    done | failed ──▶ queued                               (redo with the other model)

Inline buttons carry a job's short `id`, so finished jobs stay until `prune`.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime
from typing import Any

from .database import SharedDatabase
from .errors import JobNotFoundError, JobStateError, StorageError
from .times import iso, parse
from .usage import UsageRow, insert_usage
from .users import MODELS

STATES = ("choosing", "queued", "running", "done", "failed")
UNFINISHED = ("choosing", "queued", "running")
FINISHED = ("done", "failed")
KINDS = ("photo", "document")
_ID_BYTES = 8  # secrets.token_urlsafe(8): 11 characters of [A-Za-z0-9_-]
_NEEDS_MODEL = ("queued", "running")


@dataclass(frozen=True, kw_only=True)
class JobSource:
    """What the user sent: the message and the file a new job works on."""

    user_id: int
    username: str | None
    chat_id: int
    chat_type: str
    source_message_id: int
    file_id: str
    file_unique_id: str
    file_name: str | None
    file_size: int | None
    kind: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r}; expected one of {KINDS}")


@dataclass(frozen=True)
class Job:
    """A row of `jobs`. `options` holds binary_mask, white_background, image_format and
    image_quality; `attempts` counts the times the job went into 'running'."""

    id: str
    user_id: int
    username: str | None
    chat_id: int
    chat_type: str
    source_message_id: int
    status_message_id: int | None
    file_id: str
    file_unique_id: str
    file_name: str | None
    file_size: int | None
    kind: str
    model: str | None
    options: dict[str, Any]
    state: str
    attempts: int
    created_at: datetime
    updated_at: datetime
    error: str | None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Job:
        """The job in a `SELECT *` row (columns added by later migrations are left out)."""
        values = {f.name: row[f.name] for f in fields(cls)}
        values["options"] = json.loads(values["options"])
        values["created_at"] = parse(values["created_at"])
        values["updated_at"] = parse(values["updated_at"])
        return cls(**values)

    @property
    def finished(self) -> bool:
        return self.state in FINISHED


class Jobs:
    """The `jobs` table. Every method is safe to call from any thread."""

    def __init__(self, db: SharedDatabase) -> None:
        self._db = db

    def create(
        self,
        source: JobSource,
        *,
        options: Mapping[str, Any],
        now: datetime,
        model: str | None = None,
        state: str = "choosing",
        status_message_id: int | None = None,
    ) -> Job:
        """A new job with a fresh short id, 'choosing' its model or already 'queued'."""
        if state not in ("choosing", "queued"):
            raise ValueError(f"a new job is 'choosing' or 'queued', not {state!r}")
        _check_model(model, state)
        stamp = iso(now)
        values = {
            **asdict(source),
            "status_message_id": status_message_id,
            "model": model,
            "options": _json(options),
            "state": state,
            "created_at": stamp,
            "updated_at": stamp,
        }
        with self._db.lock, self._db.atomic():
            job_id = self._insert(values)
            return self._get(job_id)

    def get(self, job_id: str) -> Job | None:
        """The job, or None if it never existed or was pruned."""
        with self._db.lock:
            return self._find(job_id)

    def set_state(
        self,
        job_id: str,
        state: str,
        *,
        now: datetime,
        error: str | None = None,
        model: str | None = None,
        options: Mapping[str, Any] | None = None,
        status_message_id: int | None = None,
        from_states: Collection[str] | None = None,
    ) -> Job:
        """Move the job to `state` and return it. `error` is stored as given (None clears it);
        `model`, `options` and `status_message_id` change only when given. With `from_states`,
        raise JobStateError unless the job is in one of them (a guard against double taps).
        Use `finish` for 'done', so every done job has its usage row."""
        if state not in STATES or state == "done":
            raise ValueError(f"set_state cannot move a job to {state!r}; finish() marks it done")
        change = _Change(
            state=state,
            error=error,
            model=model,
            options=_json(options),
            status_message_id=status_message_id,
            from_states=from_states,
        )
        return self._apply(job_id, change, now=now)

    def update(
        self,
        job_id: str,
        *,
        now: datetime,
        options: Mapping[str, Any] | None = None,
        status_message_id: int | None = None,
        from_states: Collection[str] | None = None,
    ) -> Job:
        """Change the given fields and leave the state (and error) as they are, so a late
        update cannot undo a state change made meanwhile by another task."""
        change = _Change(
            options=_json(options), status_message_id=status_message_id, from_states=from_states
        )
        return self._apply(job_id, change, now=now)

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

    def prune(self, *, older_than: datetime) -> int:
        """Delete finished jobs, and jobs left 'choosing', untouched since `older_than`."""
        with self._db.lock:
            return self._db.execute(
                "DELETE FROM jobs WHERE updated_at < ? AND state IN (?, ?, ?)",
                (iso(older_than), *FINISHED, "choosing"),
            ).rowcount

    def _apply(self, job_id: str, change: _Change, *, now: datetime) -> Job:
        with self._db.lock, self._db.atomic():
            job = self._get(job_id)
            if change.from_states is not None and job.state not in change.from_states:
                raise JobStateError(
                    f"job {job_id} is {job.state!r}, not one of {tuple(change.from_states)}"
                )
            state = change.state or job.state
            _check_model(change.model or job.model, state)
            self._db.execute(
                "UPDATE jobs SET state = ?, updated_at = ?, attempts = attempts + ?,"
                " error = CASE WHEN ? THEN ? ELSE error END, model = coalesce(?, model),"
                " options = coalesce(?, options),"
                " status_message_id = coalesce(?, status_message_id) WHERE id = ?",
                (
                    state,
                    iso(now),
                    int(state == "running" and job.state != "running"),
                    change.state is not None,
                    change.error,
                    change.model,
                    change.options,
                    change.status_message_id,
                    job_id,
                ),
            )
            return self._get(job_id)

    def _insert(self, values: Mapping[str, Any]) -> str:
        for _ in range(5):
            job_id = secrets.token_urlsafe(_ID_BYTES)
            inserted = self._db.execute(
                f"INSERT INTO jobs (id, {', '.join(values)})"
                f" VALUES (:id, {', '.join(':' + name for name in values)})"
                " ON CONFLICT (id) DO NOTHING",
                {**values, "id": job_id},
            ).rowcount
            if inserted:
                return job_id
        raise StorageError("no free job id after 5 tries")  # 2**64 ids: never in practice

    def _find(self, job_id: str) -> Job | None:
        rows = list(self._db.query("SELECT * FROM jobs WHERE id = ?", (job_id,)))
        return Job.from_row(rows[0]) if rows else None

    def _get(self, job_id: str) -> Job:
        job = self._find(job_id)
        if job is None:
            raise JobNotFoundError(f"no job {job_id!r}")
        return job


@dataclass(frozen=True, kw_only=True)
class _Change:
    """A change to a job: None leaves a field as it is (except `error` when `state` is set)."""

    state: str | None = None
    error: str | None = None
    model: str | None = None
    options: str | None = None
    status_message_id: int | None = None
    from_states: Collection[str] | None = None


def _json(options: Mapping[str, Any] | None) -> str | None:
    return None if options is None else json.dumps(dict(options), sort_keys=True)


def _check_model(model: str | None, state: str) -> None:
    if model is not None and model not in MODELS:
        raise ValueError(f"unknown model {model!r}; expected one of {MODELS}")
    if model is None and state in _NEEDS_MODEL:
        raise JobStateError(f"a job needs a model to be {state!r}")
