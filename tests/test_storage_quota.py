from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest

from storage import (
    Job,
    JobOptions,
    Jobs,
    Quota,
    QuotaExceededError,
    SharedDatabase,
    StorageError,
    UsageLog,
    UserSettings,
    open_database,
)
from tests.storage_fixtures import NOW, failed_row, source, usage_row

OPTIONS = UserSettings().job_options()
QUOTA = Quota(limit=10, costs={"fast": 1, "precise": 3})


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SharedDatabase]:
    with open_database(tmp_path / "bot.sqlite3") as db:
        yield db


@pytest.fixture
def jobs(db: SharedDatabase) -> Jobs:
    return Jobs(db)


def used_today(db: SharedDatabase, model: str, count: int) -> None:
    """`count` jobs of `model` that went well for user 42 today."""
    for _ in range(count):
        UsageLog(db).record(usage_row(model=model))


def choosing(jobs: Jobs, *, user_id: int = 42) -> Job:
    return jobs.create([source(user_id=user_id)], options=OPTIONS, now=NOW).lead


def queue(jobs: Jobs, model: str, *, user_id: int = 42) -> Job:
    return jobs.create(
        [source(user_id=user_id)],
        options=OPTIONS,
        now=NOW,
        model=model,
        state="queued",
        quota=QUOTA,
    ).lead


def requeue(jobs: Jobs, job: Job, model: str | None = None) -> Job:
    return jobs.change(job.batch_id, state="queued", now=NOW, model=model, quota=QUOTA).lead


def test_a_job_within_the_quota_is_queued(jobs: Jobs, db: SharedDatabase) -> None:
    used_today(db, "fast", 7)
    assert queue(jobs, "precise").state == "queued"
    assert (
        jobs.units_pending(42, QUOTA.costs)
        + UsageLog(db).units_used(42, now=NOW, costs=QUOTA.costs)
        == 10
    )


def test_a_new_job_past_the_quota_is_not_created(jobs: Jobs, db: SharedDatabase) -> None:
    used_today(db, "fast", 8)
    with pytest.raises(QuotaExceededError) as caught:
        queue(jobs, "precise")
    assert (caught.value.user_id, caught.value.used, caught.value.needed) == (42, 8, 3)
    assert caught.value.limit == 10
    assert isinstance(caught.value, StorageError)
    assert jobs.unfinished() == []


def test_a_job_choosing_its_model_is_not_checked_yet(jobs: Jobs, db: SharedDatabase) -> None:
    used_today(db, "precise", 4)
    batch = jobs.create([source()], options=OPTIONS, now=NOW, quota=QUOTA)
    assert batch.lead.state == "choosing"


def test_queueing_past_the_quota_leaves_the_job_as_it_was(jobs: Jobs, db: SharedDatabase) -> None:
    used_today(db, "fast", 8)
    job = choosing(jobs)
    with pytest.raises(QuotaExceededError):
        requeue(jobs, job, "precise")
    assert jobs.get(job.id) == job
    assert requeue(jobs, job, "fast").state == "queued"


def test_pending_jobs_count_so_many_at_once_cannot_pass_the_quota(jobs: Jobs) -> None:
    for _ in range(3):
        queue(jobs, "precise")
    queue(jobs, "fast")
    with pytest.raises(QuotaExceededError, match="10 of 10"):
        queue(jobs, "fast")


def test_a_pending_job_is_never_stopped_by_the_quota(jobs: Jobs, db: SharedDatabase) -> None:
    job = queue(jobs, "precise")
    used_today(db, "precise", 5)  # e.g. the quota was lowered meanwhile
    running = jobs.change(job.batch_id, state="running", now=NOW, quota=QUOTA).lead
    assert running.state == "running"
    failed = jobs.change(job.batch_id, state="failed", now=NOW, error="x", quota=QUOTA).lead
    assert failed.state == "failed"


def test_a_pending_job_switching_to_a_dearer_model_pays_the_difference(jobs: Jobs) -> None:
    first, second = queue(jobs, "fast"), queue(jobs, "fast")
    for _ in range(2):
        queue(jobs, "precise")
    switched = requeue(jobs, first, "precise")
    assert switched.model == "precise"  # 8 + 2 = 10 units
    with pytest.raises(QuotaExceededError) as caught:
        requeue(jobs, second, "precise")
    assert (caught.value.used, caught.value.needed) == (10, 2)
    assert jobs.get(second.id) == second


def test_failed_jobs_and_other_days_and_users_are_free(jobs: Jobs, db: SharedDatabase) -> None:
    log = UsageLog(db)
    for _ in range(5):
        log.record(failed_row(model="precise"))
        log.record(usage_row(model="precise", created_at=NOW - timedelta(days=1)))
        log.record(usage_row(model="precise", user_id=7))
        jobs.create([source(user_id=7)], options=OPTIONS, now=NOW, model="precise", state="queued")
    for _ in range(3):
        queue(jobs, "precise")
    assert queue(jobs, "fast").state == "queued"


def test_a_redo_costs_again(jobs: Jobs, db: SharedDatabase) -> None:
    used_today(db, "precise", 3)
    job = queue(jobs, "fast")
    done = jobs.finish(job.id, usage_row(), now=NOW)  # 10 used
    with pytest.raises(QuotaExceededError) as caught:
        requeue(jobs, job, "fast")
    assert (caught.value.used, caught.value.needed) == (10, 1)
    assert jobs.get(job.id) == done


def test_an_album_is_queued_only_if_all_of_it_fits(jobs: Jobs, db: SharedDatabase) -> None:
    used_today(db, "fast", 2)
    album = jobs.create([source(source_message_id=n) for n in (1, 2, 3)], options=OPTIONS, now=NOW)
    with pytest.raises(QuotaExceededError) as caught:
        jobs.change(album.id, state="queued", now=NOW, model="precise", quota=QUOTA)
    assert (caught.value.used, caught.value.needed) == (2, 9)
    assert jobs.batch(album.id) == album
    queued = jobs.change(album.id, state="queued", now=NOW, model="fast", quota=QUOTA)
    assert [job.state for job in queued.jobs] == ["queued"] * 3


def test_a_new_album_is_made_only_if_all_of_it_fits(jobs: Jobs, db: SharedDatabase) -> None:
    used_today(db, "fast", 2)
    sources = [source(source_message_id=n) for n in (1, 2, 3)]
    with pytest.raises(QuotaExceededError) as caught:
        jobs.create(
            sources, options=OPTIONS, now=NOW, model="precise", state="queued", quota=QUOTA
        )
    assert (caught.value.used, caught.value.needed) == (2, 9)
    assert jobs.unfinished() == []
    queued = jobs.create(
        sources, options=OPTIONS, now=NOW, model="fast", state="queued", quota=QUOTA
    )
    assert [job.state for job in queued.jobs] == ["queued"] * 3


def test_a_zero_quota_refuses_everything(jobs: Jobs) -> None:
    with pytest.raises(QuotaExceededError):
        jobs.create(
            [source()],
            options=OPTIONS,
            now=NOW,
            model="fast",
            state="queued",
            quota=Quota(limit=0, costs={}),
        )


@pytest.mark.parametrize(("limit", "costs"), [(-1, {}), (5, {"fast": -1})])
def test_a_negative_quota_is_refused(limit: int, costs: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="negative"):
        Quota(limit=limit, costs=costs)


def test_images_sent_at_once_from_many_threads_stay_within_the_quota(jobs: Jobs) -> None:
    def send(n: int) -> bool:
        job = choosing(jobs)
        try:
            requeue(jobs, job, "fast")
        except QuotaExceededError:
            return False
        return True

    with ThreadPoolExecutor(max_workers=8) as pool:
        accepted = list(pool.map(send, range(40)))
    assert accepted.count(True) == 10
    assert jobs.units_pending(42, QUOTA.costs) == 10


def test_a_new_look_on_a_kept_cutout_costs_no_units(db: SharedDatabase) -> None:
    jobs = Jobs(db)
    quota = Quota(limit=1, costs={"fast": 1})
    free = JobOptions(background="#FFFFFF", recompose=True)
    for _ in range(3):  # queued at once, past the limit, yet refused nothing
        jobs.create([source()], options=free, model="fast", state="queued", now=NOW, quota=quota)
    jobs.create(
        [source()], options=JobOptions(), model="fast", state="queued", now=NOW, quota=quota
    )
    with pytest.raises(QuotaExceededError):
        jobs.create(
            [source()], options=JobOptions(), model="fast", state="queued", now=NOW, quota=quota
        )
