"""A job's rows and rules: what a new job is made from (`JobSource`), a stored `Job`, the
`Batch` it belongs to, and the changes `Jobs` may make to them.

    choosing ──▶ queued ──▶ running ──▶ done | failed     (finish)
        └─────────────────────────────────▶ failed        (change, e.g. given up)
    done | failed ──▶ queued                               (redo with the other model)

Every job belongs to a batch: the images accepted together, one photo or an album's. A batch
changes as one.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from .errors import JobStateError
from .quota import PENDING, Quota
from .times import parse
from .users import MODELS, JobOptions

STATES = ("choosing", "queued", "running", "done", "failed")
UNFINISHED = ("choosing", "queued", "running")
FINISHED = ("done", "failed")
KINDS = ("photo", "document")


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
    """A row of `jobs`; `attempts` counts the times the job went into 'running'."""

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
    options: JobOptions
    state: str
    attempts: int
    created_at: datetime
    updated_at: datetime
    error: str | None
    batch_id: str

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Job:
        """The job in a `SELECT *` row (columns added by later migrations are left out)."""
        values = {f.name: row[f.name] for f in fields(cls)}
        values["options"] = JobOptions.from_json(values["options"])
        values["created_at"] = parse(values["created_at"])
        values["updated_at"] = parse(values["updated_at"])
        return cls(**values)

    @property
    def source(self) -> JobSource:
        """What the job was made from: the image again, for a redo without a new upload."""
        return JobSource(**{f.name: getattr(self, f.name) for f in fields(JobSource)})

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    @property
    def pending(self) -> bool:
        """Queued or running: its units count against the user's quota."""
        return self.state in PENDING


@dataclass(frozen=True)
class Batch:
    """The jobs accepted together, in the order of their messages: one image, or an album's.
    Buttons carry its `id`."""

    id: str
    jobs: tuple[Job, ...]

    def __post_init__(self) -> None:
        if not self.jobs:
            raise ValueError(f"batch {self.id!r} has no jobs")

    @property
    def lead(self) -> Job:
        """The first job: its message is the one the batch's answers reply to."""
        return self.jobs[0]


@dataclass(frozen=True, kw_only=True)
class Change:
    """A change to jobs: None leaves a field as it is (except `error` when `state` is set)."""

    state: str | None = None
    error: str | None = None
    model: str | None = None
    options: JobOptions | None = None
    status_message_id: int | None = None
    from_states: Collection[str] | None = None
    quota: Quota | None = None

    def check(self, job: Job) -> None:
        """Raise JobStateError (or ValueError) if this change may not be made to `job`."""
        if self.from_states is not None and job.state not in self.from_states:
            raise JobStateError(
                f"job {job.id} is {job.state!r}, not one of {tuple(self.from_states)}"
            )
        check_model(self.model or job.model, self.state or job.state)

    def added_units(self, job: Job) -> int:
        """Units the change adds to the job's owner's pending units (0 without a quota)."""
        if self.quota is None or self.state is None:
            return 0
        charge = self.quota.charge
        after = charge(self.model or job.model, self.options or job.options)
        before = charge(job.model, job.options) if job.pending else 0
        return (after if self.state in PENDING else 0) - before


def check_model(model: str | None, state: str) -> None:
    if model is not None and model not in MODELS:
        raise ValueError(f"unknown model {model!r}; expected one of {MODELS}")
    if model is None and state in PENDING:
        raise JobStateError(f"a job needs a model to be {state!r}")
