"""The bot under load: many people at once, real fast-model inference, and a restart and a
SIGKILL in the middle of it. No job the bot accepted may be lost, left open or doubled.

Not timed: the figures are `benchmarks/load.py`'s. The faults one person meets are in
test_faults.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO

import pytest

from tests.e2e.botapi import BotApiPeer
from tests.e2e.conftest import TOKEN
from tests.e2e.harness import SlowBackend, bot_settings, local_backend, running_bot
from tests.e2e.loadgen import UNFINISHED, LoadRun, Plan, Unit, read_ledger, wait_settled

ROOT = Path(__file__).resolve().parents[2]


async def test_fifty_users_and_three_groups_all_get_one_answer_per_job(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    settings = bot_settings(peer, tmp_path, models_dir)
    plan = Plan(users=50, groups=3, members=3, images=2, group_images=2)
    async with running_bot(settings, local_backend(models_dir)):
        async with LoadRun(peer, plan) as run:
            units = await run.finish(timeout=120)
        ledger = await wait_settled(settings.bot.database_path, timeout=10)
    assert run.unacknowledged == []
    assert len(units) == plan.expected_units()
    assert [u.sources for u in units if not u.answers] == []
    assert [u.sources for u in units if u.documents != len(u.sources)] == []  # none doubled
    assert len(ledger.jobs) == plan.expected_images()
    assert ledger.unfinished() == []
    assert len(ledger.usage) == len(ledger.jobs)
    assert await asyncio.to_thread(inconsistencies, settings.bot.database_path) == []
    assert {row["status"] for row in ledger.usage} == {"ok"}
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def inconsistencies(database: Path) -> list[str]:
    """What is wrong: integrity, finished jobs without one usage row, rows of open jobs."""
    with contextlib.closing(sqlite3.connect(database)) as conn:
        [(integrity,)] = conn.execute("PRAGMA integrity_check").fetchall()
    ledger = read_ledger(database)
    rows = Counter(row["job_id"] for row in ledger.usage)
    states = {job["id"]: job["state"] for job in ledger.jobs}
    done = {job for job, state in states.items() if state not in UNFINISHED}
    wrong = [] if integrity == "ok" else [f"integrity_check: {integrity}"]
    wrong += [f"{job} is finished with {rows[job]} usage rows" for job in done if rows[job] != 1]
    wrong += [f"usage of {job}, which is {states.get(job)}" for job in rows if job not in done]
    return wrong


def slow_engine(models_dir: Path) -> SlowBackend:
    return SlowBackend(local_backend(models_dir), delay=0.5)


def resent(units: list[Unit], stop: float) -> list[tuple[int, ...]]:
    """Jobs answered twice, but for those first answered before the `stop`: caught between
    their upload and their usage row, they are sent again (the bug that
    test_a_stop_right_after_an_upload_does_not_send_it_twice shows)."""
    return [
        u.sources
        for u in units
        if u.documents > len(u.sources) and u.answered_at is not None and u.answered_at > stop
    ]


async def test_a_restart_during_a_load_run_loses_no_accepted_job(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    plan = Plan(users=12, groups=1, images=2, group_images=2, ramp=1.0)
    async with LoadRun(peer, plan) as run:
        async with running_bot(settings, slow_engine(models_dir)):
            await run.wait_answered(plan.expected_units() // 2, timeout=60)
        stop = time.monotonic()
        stopped = await asyncio.to_thread(read_ledger, settings.bot.database_path)
        async with running_bot(settings, slow_engine(models_dir)):
            units = await run.finish(timeout=90)
            ledger = await wait_settled(settings.bot.database_path, timeout=20)
    assert stopped.unfinished()  # the stop did catch jobs mid-way
    assert run.unacknowledged == []
    assert len(units) == plan.expected_units()
    assert [u.sources for u in units if not u.answers] == []
    assert [u.sources for u in units if u.documents < len(u.sources)] == []
    assert resent(units, stop) == []
    assert ledger.unfinished() == []
    assert len(ledger.usage) == len(ledger.jobs)
    assert await asyncio.to_thread(inconsistencies, settings.bot.database_path) == []
    assert {r["status"] for r in ledger.usage} == {"ok"}


def bot_env(peer: BotApiPeer, tmp_path: Path, models_dir: Path) -> dict[str, str]:
    """`python -m bot` polling the peer, as test_bot_webhook.py runs it but without a webhook."""
    mine = ("TELEGRAM_", "WEBHOOK_", "DATABASE_", "MODELS_", "REMOVEBG_")
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(mine)},
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": peer.base_url,
        "TELEGRAM_FILE_BASE_URL": peer.base_file_url,
        "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
        "MODELS_DIR": str(ROOT / models_dir),
    }


def log_file(path: Path) -> IO[bytes]:
    return path.open("ab")


def log_tail(path: Path) -> str:
    return path.read_text(errors="replace")[-4000:]


@asynccontextmanager
async def bot_process(env: dict[str, str], cwd: Path) -> AsyncIterator[None]:
    """`python -m bot` for the block, then SIGKILLed: no shutdown at all."""
    with log_file(cwd / "bot.log") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=cwd, env=env, stdout=log, stderr=log
        )
    try:
        yield
    except TimeoutError:
        tail = await asyncio.to_thread(log_tail, cwd / "bot.log")
        raise AssertionError(f"no answer in time; the bot's log ends:\n{tail}") from None
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()


async def test_a_killed_process_leaves_the_database_consistent_and_resumes(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    env = bot_env(peer, tmp_path, models_dir)
    database = tmp_path / "bot.sqlite3"
    plan = Plan(users=8, groups=1, images=2, group_images=2, ramp=1.0)
    async with LoadRun(peer, plan) as run:
        async with bot_process(env, tmp_path):
            await run.wait_answered(3, timeout=90)
            kill = time.monotonic()
        killed = await asyncio.to_thread(read_ledger, database)
        assert await asyncio.to_thread(inconsistencies, database) == []
        async with bot_process(env, tmp_path):
            units = await run.finish(timeout=90)
            ledger = await wait_settled(database, timeout=30)
    assert killed.unfinished()  # the kill did catch jobs mid-way
    assert run.unacknowledged == []
    assert [u.sources for u in units if u.documents < len(u.sources)] == []
    assert resent(units, kill) == []
    assert ledger.unfinished() == []
    assert len(ledger.usage) == len(ledger.jobs)
    assert await asyncio.to_thread(inconsistencies, database) == []
