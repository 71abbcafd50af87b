from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from storage import (
    Batch,
    Job,
    JobNotFoundError,
    JobOptions,
    Jobs,
    JobStateError,
    SharedDatabase,
    UsageRow,
    UserSettings,
    open_database,
)
from tests.storage_fixtures import NOW, failed_row, source, usage_row

OPTIONS = UserSettings().job_options()


@pytest.fixture
def jobs(db: SharedDatabase) -> Jobs:
    return Jobs(db)


def new(jobs: Jobs, *, now: datetime = NOW, options: JobOptions = OPTIONS, **changes: Any) -> Job:
    """A batch of one (a document in a private chat): its job."""
    return jobs.create([source()], options=options, now=now, **changes).lead


def usage_count(db: SharedDatabase) -> int:
    count: int = db.execute("SELECT count(*) FROM usage").fetchone()[0]
    return count


def test_a_new_job_is_choosing_with_a_short_url_safe_id(jobs: Jobs) -> None:
    job = new(jobs)
    assert len(job.id) <= 12
    assert job.id.replace("-", "").replace("_", "").isalnum()
    assert job.state == "choosing"
    assert (job.model, job.attempts, job.error, job.status_message_id) == (None, 0, None, None)
    assert job.options == OPTIONS
    assert job.created_at == job.updated_at == NOW
    assert jobs.get(job.id) == job


def test_a_single_image_is_a_batch_of_one_under_its_jobs_id(jobs: Jobs) -> None:
    batch = jobs.create([source()], options=OPTIONS, now=NOW)
    assert batch == Batch(batch.lead.id, (batch.lead,))
    assert batch.lead.batch_id == batch.id
    assert jobs.batch(batch.id) == batch


def test_job_ids_are_unique(jobs: Jobs) -> None:
    ids = {new(jobs).id for _ in range(50)}
    assert len(ids) == 50


def test_a_job_can_start_queued_with_its_model(jobs: Jobs) -> None:
    batch = jobs.create(
        [source(kind="photo")], options=OPTIONS, now=NOW, model="precise", state="queued"
    )
    assert (batch.lead.state, batch.lead.model, batch.lead.kind) == ("queued", "precise", "photo")


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"state": "running", "model": "fast"}, ValueError),
        ({"state": "done", "model": "fast"}, ValueError),
        ({"model": "slow"}, ValueError),
        ({"state": "queued"}, JobStateError),
    ],
)
def test_invalid_new_jobs_are_refused(
    jobs: Jobs, changes: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        new(jobs, **changes)
    assert jobs.unfinished() == []


def test_a_batch_needs_an_image(jobs: Jobs) -> None:
    with pytest.raises(ValueError, match="at least one"):
        jobs.create([], options=OPTIONS, now=NOW)


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        source(kind="video")


def test_an_unknown_job_or_batch_is_none(jobs: Jobs) -> None:
    assert jobs.get("nope") is None
    assert jobs.batch("nope") is None


def test_the_job_lifecycle_logs_usage_and_finishes(jobs: Jobs, db: SharedDatabase) -> None:
    job = new(jobs)
    jobs.change(job.batch_id, status_message_id=8, now=NOW)
    options = replace(OPTIONS, binary_mask=True, sticker=True)
    [queued] = jobs.change(
        job.batch_id, state="queued", now=NOW, model="precise", options=options
    ).jobs
    assert (queued.state, queued.model, queued.options, queued.status_message_id) == (
        "queued",
        "precise",
        options,
        8,
    )
    [running] = jobs.change(job.batch_id, state="running", now=NOW + timedelta(seconds=1)).jobs
    assert (running.state, running.attempts) == ("running", 1)
    done = jobs.finish(
        job.id,
        usage_row(model="precise", outputs=("cutout", "mask")),
        now=NOW + timedelta(seconds=2),
    )
    assert (done.state, done.error, done.finished) == ("done", None, True)
    assert done.updated_at == NOW + timedelta(seconds=2)
    row = db.execute("SELECT job_id, model, outputs, status FROM usage").fetchone()
    assert row == (job.id, "precise", '["cutout", "mask"]', "ok")


def test_a_failed_usage_fails_the_job(jobs: Jobs, db: SharedDatabase) -> None:
    job = new(jobs, model="fast", state="queued")
    jobs.change(job.batch_id, state="running", now=NOW)
    failed = jobs.finish(job.id, failed_row(), now=NOW)
    assert (failed.state, failed.error) == ("failed", "backend down")
    assert db.execute("SELECT status, error, job_id FROM usage").fetchone() == (
        "error",
        "backend down",
        job.id,
    )


def test_unfinished_jobs_survive_a_restart_oldest_first(db_path: Path) -> None:
    with open_database(db_path) as db:
        jobs = Jobs(db)
        created = [
            jobs.create([source(source_message_id=n)], options=OPTIONS, now=NOW + timedelta(n))
            for n in (3, 1, 2, 4, 5)
        ]
        jobs.change(created[0].id, state="queued", now=NOW, model="fast")
        jobs.change(created[1].id, state="running", now=NOW, model="fast")
        jobs.change(created[3].id, state="running", now=NOW, model="fast")
        jobs.finish(created[3].lead.id, usage_row(), now=NOW)
        jobs.change(created[4].id, state="failed", now=NOW, error="gave up")
    with open_database(db_path) as db:
        unfinished = Jobs(db).unfinished()
    assert [(job.source_message_id, job.state) for job in unfinished] == [
        (1, "running"),
        (2, "choosing"),
        (3, "queued"),
    ]


def test_jobs_created_in_the_same_second_keep_their_order(jobs: Jobs) -> None:
    ids = [new(jobs).id for _ in range(5)]
    assert [job.id for job in jobs.unfinished()] == ids


def negative_time(db: SharedDatabase) -> UsageRow:
    return usage_row(total_s=-1.0)  # breaks CHECK (total_s >= 0)


def zero_width(db: SharedDatabase) -> UsageRow:
    return usage_row(width=0)  # breaks CHECK (width > 0)


def failing_insert(db: SharedDatabase) -> UsageRow:
    db.execute(
        "CREATE TRIGGER no_usage BEFORE INSERT ON usage BEGIN SELECT RAISE(ABORT, 'full'); END"
    )
    return usage_row()


@pytest.mark.parametrize("break_usage", [negative_time, zero_width, failing_insert])
def test_finish_is_all_or_nothing(
    jobs: Jobs, db: SharedDatabase, break_usage: Callable[[SharedDatabase], UsageRow]
) -> None:
    job = new(jobs, model="fast", state="queued")
    before = jobs.change(job.batch_id, state="running", now=NOW).lead
    row = break_usage(db)
    with pytest.raises(sqlite3.IntegrityError):
        jobs.finish(job.id, row, now=NOW + timedelta(minutes=1))
    assert jobs.get(job.id) == before
    assert usage_count(db) == 0
    assert not db.conn.in_transaction


def test_a_job_finishes_only_once(jobs: Jobs, db: SharedDatabase) -> None:
    job = new(jobs, model="fast", state="queued")
    jobs.finish(job.id, usage_row(), now=NOW)
    with pytest.raises(JobStateError, match="already finished"):
        jobs.finish(job.id, usage_row(), now=NOW)
    assert usage_count(db) == 1


def test_finish_refuses_usage_of_another_job(jobs: Jobs) -> None:
    job = new(jobs)
    with pytest.raises(ValueError, match="not"):
        jobs.finish(job.id, usage_row(job_id="other"), now=NOW)


def test_redo_with_the_other_model_logs_a_second_usage(jobs: Jobs, db: SharedDatabase) -> None:
    job = new(jobs, model="fast", state="queued")
    jobs.change(job.batch_id, state="running", now=NOW)
    jobs.finish(job.id, usage_row(), now=NOW)
    jobs.change(
        job.batch_id, state="queued", now=NOW, model="precise", from_states=("done", "failed")
    )
    jobs.change(job.batch_id, state="running", now=NOW)
    again = jobs.finish(job.id, usage_row(model="precise"), now=NOW)
    assert (again.state, again.model, again.attempts) == ("done", "precise", 2)
    assert [r[0] for r in db.execute("SELECT model FROM usage ORDER BY id")] == ["fast", "precise"]


def test_running_again_does_not_count_another_attempt(jobs: Jobs) -> None:
    job = new(jobs, model="fast", state="queued")
    jobs.change(job.batch_id, state="running", now=NOW)
    again = jobs.change(job.batch_id, state="running", now=NOW, status_message_id=99).lead
    assert (again.attempts, again.status_message_id) == (1, 99)


INVALID_CHANGES = [  # a state the guard refuses, or a change that is not valid
    ("done", {}, ValueError),
    ("paused", {}, ValueError),
    ("queued", {}, JobStateError),
    ("queued", {"model": "slow"}, ValueError),
    (None, {"error": "lost"}, ValueError),  # an error goes with a state
]


def test_a_double_tap_is_refused_by_the_state_guard(jobs: Jobs) -> None:
    job = new(jobs)
    jobs.change(job.batch_id, state="queued", now=NOW, model="fast", from_states=("choosing",))
    with pytest.raises(JobStateError, match="queued"):
        jobs.change(job.batch_id, state="queued", now=NOW, model="fast", from_states=("choosing",))


@pytest.mark.parametrize(("state", "changes", "error"), INVALID_CHANGES)
def test_invalid_state_changes_are_refused(
    jobs: Jobs, state: str | None, changes: dict[str, Any], error: type[Exception]
) -> None:
    job = new(jobs)
    with pytest.raises(error):
        jobs.change(job.batch_id, state=state, now=NOW, **changes)
    assert jobs.get(job.id) == job


def test_an_error_is_kept_only_until_the_next_state(jobs: Jobs) -> None:
    job = new(jobs)
    assert jobs.change(job.batch_id, state="failed", now=NOW, error="lost").lead.error == "lost"
    assert jobs.change(job.batch_id, state="queued", now=NOW, model="fast").lead.error is None


def test_an_unknown_batch_cannot_change(jobs: Jobs) -> None:
    with pytest.raises(JobNotFoundError):
        jobs.change("nope", state="failed", now=NOW)
    with pytest.raises(JobNotFoundError):
        jobs.change("nope", now=NOW, status_message_id=1)


def test_an_unknown_job_cannot_finish(jobs: Jobs, db: SharedDatabase) -> None:
    with pytest.raises(JobNotFoundError):
        jobs.finish("nope", usage_row(), now=NOW)
    assert usage_count(db) == 0


def test_prune_deletes_old_finished_and_abandoned_jobs(jobs: Jobs) -> None:
    old, recent = NOW - timedelta(days=8), NOW - timedelta(hours=1)

    def job_in(state: str, when: datetime) -> str:
        job = new(jobs, now=when, model="fast", state="queued")
        if state == "done":
            jobs.finish(job.id, usage_row(), now=when)
        elif state != "queued":
            jobs.change(job.batch_id, state=state, now=when)
        return job.id

    doomed = {job_in(state, old) for state in ("done", "failed", "choosing")}
    kept = {job_in(state, old) for state in ("queued", "running")}
    kept |= {job_in(state, recent) for state in ("done", "failed", "choosing")}
    assert jobs.prune(older_than=NOW - timedelta(days=7)) == 3
    assert all(jobs.get(job_id) is None for job_id in doomed)
    assert all(jobs.get(job_id) is not None for job_id in kept)
    assert jobs.prune(older_than=NOW - timedelta(days=7)) == 0


def test_a_change_without_a_state_keeps_state_and_error(jobs: Jobs) -> None:
    job = new(jobs)
    jobs.change(job.batch_id, state="failed", now=NOW, error="lost")
    later = NOW + timedelta(minutes=1)
    [updated] = jobs.change(
        job.batch_id, now=later, status_message_id=5, options=JobOptions(binary_mask=True)
    ).jobs
    assert (updated.state, updated.error, updated.attempts) == ("failed", "lost", 0)
    assert (updated.status_message_id, updated.options) == (5, JobOptions(binary_mask=True))
    assert updated.updated_at == later


def test_a_late_change_does_not_undo_a_state_change(jobs: Jobs) -> None:
    job = new(jobs)
    jobs.change(job.batch_id, state="queued", now=NOW, model="fast", from_states=("choosing",))
    jobs.change(job.batch_id, state="running", now=NOW)
    late = jobs.change(job.batch_id, now=NOW, status_message_id=12).lead
    assert (late.state, late.attempts, late.status_message_id) == ("running", 1, 12)


def test_a_change_without_a_state_can_be_guarded_by_state(jobs: Jobs) -> None:
    job = new(jobs, model="fast", state="queued")
    with pytest.raises(JobStateError, match="queued"):
        jobs.change(job.batch_id, now=NOW, options=OPTIONS, from_states=("choosing",))
    assert jobs.get(job.id) == job


def test_options_are_stored_in_the_shape_earlier_versions_read(
    jobs: Jobs, db: SharedDatabase
) -> None:
    options = JobOptions(white_background=True, image_format="jpg", image_quality=60, sticker=True)
    job = new(jobs, options=options)
    [(stored,)] = db.execute("SELECT options FROM jobs WHERE id = ?", (job.id,)).fetchall()
    assert json.loads(stored) == {
        "binary_mask": False,
        "white_background": True,
        "image_format": "jpg",
        "image_quality": 60,
        "sticker": True,
        "background": "",  # keys added later: earlier versions ignore them
        "background_photo": None,
        "crop": "",
        "recompose": False,
        "language": "en",
    }
    assert jobs.get(job.id) == replace(job, options=options)


EARLIER_OPTIONS = [  # jobs.options as earlier versions wrote it, and what it means now
    (
        '{"binary_mask": true, "image_format": "webp", "image_quality": 60, "sticker": true,'
        ' "white_background": false}',
        JobOptions(binary_mask=True, image_format="webp", image_quality=60, sticker=True),
    ),
    (  # before stickers
        '{"binary_mask": false, "image_format": "jpg", "image_quality": 85,'
        ' "white_background": true}',
        JobOptions(white_background=True, image_format="jpg"),
    ),
    ("{}", JobOptions()),
    ('{"binary_mask": true, "halo": "#ffffff"}', JobOptions(binary_mask=True)),
]


@pytest.mark.parametrize(("stored", "meant"), EARLIER_OPTIONS)
def test_a_job_pending_across_an_upgrade_keeps_its_options(
    jobs: Jobs, db: SharedDatabase, stored: str, meant: JobOptions
) -> None:
    job = new(jobs, model="fast", state="queued")
    db.execute("UPDATE jobs SET options = ? WHERE id = ?", (stored, job.id))
    [pending] = jobs.unfinished()
    assert pending.options == meant
    assert jobs.change(job.batch_id, state="running", now=NOW).lead.options == meant


@pytest.mark.parametrize(
    ("changes", "message"),
    [({"image_format": "gif"}, "image format"), ({"image_quality": 0}, "quality")],
)
def test_invalid_job_options_are_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        JobOptions(**changes)


def album(jobs: Jobs, *, messages: tuple[int, ...] = (3, 1, 2)) -> Batch:
    sources = [source(source_message_id=message_id) for message_id in messages]
    return jobs.create(sources, options=OPTIONS, now=NOW)


def states(batch: Batch) -> list[tuple[int, str, str | None, int]]:
    return [(job.source_message_id, job.state, job.model, job.attempts) for job in batch.jobs]


def test_an_album_is_one_batch_in_message_order(jobs: Jobs) -> None:
    batch = album(jobs)
    other = album(jobs, messages=(2,))
    assert [job.source_message_id for job in batch.jobs] == [1, 2, 3]
    assert {job.batch_id for job in batch.jobs} == {batch.id}
    assert len({job.id for job in batch.jobs}) == 3
    assert batch.id in {job.id for job in batch.jobs}  # the first image's job's id
    assert jobs.batch(batch.id) == batch
    assert jobs.batch(other.id) == other


def test_a_batch_changes_state_together(jobs: Jobs) -> None:
    batch = album(jobs)
    other = album(jobs, messages=(4,))
    later = NOW + timedelta(seconds=5)
    queued = jobs.change(
        batch.id, state="queued", now=later, model="precise", from_states=("choosing",)
    )
    assert states(queued) == [(n, "queued", "precise", 0) for n in (1, 2, 3)]
    assert all(job.updated_at == later for job in queued.jobs)
    running = jobs.change(batch.id, state="running", now=later)
    assert states(running) == [(n, "running", "precise", 1) for n in (1, 2, 3)]
    assert running == jobs.batch(batch.id)
    assert jobs.batch(other.id) == other


def test_a_batch_moves_only_if_every_job_may(jobs: Jobs) -> None:
    batch = album(jobs)
    first = batch.jobs[0]
    jobs.finish(first.id, failed_row(), now=NOW)
    before = jobs.batch(batch.id)
    with pytest.raises(JobStateError, match=first.id):
        jobs.change(batch.id, state="queued", now=NOW, model="precise", from_states=("choosing",))
    assert jobs.batch(batch.id) == before


@pytest.mark.parametrize(("state", "changes", "error"), INVALID_CHANGES)
def test_invalid_batch_changes_are_refused(
    jobs: Jobs, state: str | None, changes: dict[str, Any], error: type[Exception]
) -> None:
    batch = album(jobs)
    with pytest.raises(error):
        jobs.change(batch.id, state=state, now=NOW, **changes)
    assert jobs.batch(batch.id) == batch


def test_a_batch_is_redone_with_the_other_model(jobs: Jobs) -> None:
    batch = album(jobs, messages=(1, 2))
    jobs.change(batch.id, state="running", now=NOW, model="fast")
    one, two = batch.jobs
    jobs.finish(one.id, usage_row(), now=NOW)
    jobs.finish(two.id, failed_row(), now=NOW)
    redo = jobs.change(
        batch.id, state="queued", now=NOW, model="precise", from_states=("done", "failed")
    )
    assert [(job.state, job.model, job.error) for job in redo.jobs] == [
        ("queued", "precise", None)
    ] * 2


def test_a_whole_batch_can_fail_with_an_error(jobs: Jobs) -> None:
    failed = jobs.change(album(jobs).id, state="failed", now=NOW, error="too big")
    assert {(job.state, job.error) for job in failed.jobs} == {("failed", "too big")}


def test_a_change_without_a_state_keeps_each_jobs_state(jobs: Jobs) -> None:
    batch = album(jobs, messages=(1, 2))
    jobs.finish(batch.jobs[0].id, failed_row(), now=NOW)
    later = NOW + timedelta(minutes=1)
    options = JobOptions(sticker=True)
    updated = jobs.change(batch.id, now=later, status_message_id=77, options=options)
    assert [(job.state, job.error) for job in updated.jobs] == [
        ("failed", "backend down"),
        ("choosing", None),
    ]
    assert [(job.status_message_id, job.options, job.updated_at) for job in updated.jobs] == [
        (77, options, later)
    ] * 2


def test_a_batch_change_can_be_guarded_by_state(jobs: Jobs) -> None:
    batch = album(jobs)
    with pytest.raises(JobStateError):
        jobs.change(batch.id, now=NOW, status_message_id=5, from_states=("queued",))
    assert jobs.batch(batch.id) == batch


def test_a_redo_is_a_new_batch_of_the_same_images(jobs: Jobs) -> None:
    batch = album(jobs)
    again = jobs.create([job.source for job in batch.jobs], options=OPTIONS, now=NOW)
    assert again.id != batch.id
    assert [job.source for job in again.jobs] == [job.source for job in batch.jobs]


def test_units_pending_count_queued_and_running_jobs_by_model(jobs: Jobs) -> None:
    costs = {"fast": 1, "precise": 3}
    assert jobs.units_pending(42, costs) == 0
    for model, state in [("fast", "queued"), ("precise", "queued"), ("precise", "running")]:
        job = new(jobs, model="fast", state="queued")
        jobs.change(job.batch_id, state=state, now=NOW, model=model)
    new(jobs)  # choosing: not pending
    done = new(jobs, model="precise", state="queued")
    jobs.finish(done.id, usage_row(model="precise"), now=NOW)
    jobs.create([source(user_id=7)], options=OPTIONS, now=NOW, model="precise", state="queued")
    assert jobs.units_pending(42, costs) == 7
    assert jobs.units_pending(42, costs={"fast": 2}) == 4  # precise is not in costs: 1


def test_recent_job_times_since_a_moment(jobs: Jobs) -> None:
    for seconds in (30, -61, 0, -60, 10):
        new(jobs, now=NOW + timedelta(seconds=seconds))
    jobs.create([source(user_id=7)], options=OPTIONS, now=NOW)
    times = jobs.recent_job_times(42, since=NOW - timedelta(minutes=1))
    assert times == [NOW + timedelta(seconds=s) for s in (-60, 0, 10, 30)]
    assert jobs.recent_job_times(404, since=NOW) == []
