"""A call's records on their own: a fault stays in its record, a cancelled call leaves nothing."""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.engine import Engine
from services.server.admission import Admission
from services.server.calls import CallBody
from services.server.fetch import UrlFetcher
from services.server.metrics import ServerMetrics
from services.server.records import RecordProcessor, RecordRejectedError, parse_record
from services.server.store import LocalStore
from tests.images import disc, encode

GOOD = base64.b64encode(encode(disc(), "JPEG")).decode()


class FailingStore(LocalStore):
    """The real store, made to fail its `fail_at`-th write: a fault of ours, not the client's."""

    def __init__(self, root: Path, fail_at: int) -> None:
        super().__init__(root, ttl=60)
        self.writes = 0
        self.fail_at = fail_at

    async def put(self, data: bytes, *, suffix: str) -> str:
        self.writes += 1
        if self.writes == self.fail_at:
            raise RuntimeError("disk on fire")
        return await super().put(data, suffix=suffix)


class WatchedStore(LocalStore):
    """The real store, telling when its first output is written."""

    def __init__(self, root: Path, *, ttl: float) -> None:
        super().__init__(root, ttl=ttl)
        self.written = asyncio.Event()

    async def put(self, data: bytes, *, suffix: str) -> str:
        key = await super().put(data, suffix=suffix)
        self.written.set()
        return key


@pytest.fixture
async def fetcher() -> AsyncIterator[UrlFetcher]:
    async with httpx.AsyncClient() as client:
        yield UrlFetcher(client, max_bytes=1 << 20, timeout=5)


def call_of(*records: dict[str, Any]) -> CallBody:
    return CallBody.model_validate({"records": list(records), "binary_mask": True})


async def test_an_unexpected_fault_in_one_record_becomes_its_own_500(
    engine: Engine, fetcher: UrlFetcher, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = FailingStore(tmp_path, fail_at=3)
    processor = RecordProcessor(engine, store, fetcher)
    call = call_of(*({"_base64": GOOD} for _ in range(4)))
    answer = await processor.answer(call, "fast", "http://here")
    codes = sorted(record.status.code for record in answer.records if record.status)
    assert codes == [200, 200, 200, 500]
    assert answer.status.code == 200
    assert "disk on fire" in caplog.text
    assert all(
        "disk" not in (r.status.error_description or "") for r in answer.records if r.status
    )


async def test_a_store_failure_is_counted_for_the_metrics(
    engine: Engine, fetcher: UrlFetcher, tmp_path: Path
) -> None:
    metrics = ServerMetrics(Admission(workers=1, queue_size=9, body_budget=1, max_wait=1))
    processor = RecordProcessor(engine, FailingStore(tmp_path, fail_at=1), fetcher, watch=metrics)
    await processor.answer(call_of({"_base64": GOOD}), "fast", "http://here")
    assert metrics.registry.get_sample_value("removebg_store_errors_total") == 1
    inference = {"stage": "inference"}
    assert metrics.registry.get_sample_value("removebg_stage_seconds_count", inference) == 1


async def test_a_cancelled_call_stops_its_records_and_takes_back_its_outputs(
    engine: Engine, fetcher: UrlFetcher, tmp_path: Path
) -> None:
    store = WatchedStore(tmp_path, ttl=60)
    processor = RecordProcessor(engine, store, fetcher)
    call = call_of(*({"_base64": GOOD} for _ in range(10)))
    task = asyncio.create_task(processor.answer(call, "fast", "http://here"))
    await store.written.wait()
    assert await asyncio.to_thread(os.listdir, tmp_path)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.to_thread(os.listdir, tmp_path) == []
    await asyncio.sleep(0.5)  # nothing left running writes anything later
    assert await asyncio.to_thread(os.listdir, tmp_path) == []


async def test_a_cancelled_job_holds_its_engine_slot_until_its_thread_ends(
    engine: Engine,
) -> None:
    image = encode(disc((1200, 900)), "JPEG")
    first = asyncio.create_task(engine.remove(image, model="fast"))
    await asyncio.sleep(0.05)
    first.cancel()
    second = asyncio.create_task(engine.remove(image, model="fast"))
    await asyncio.sleep(0)
    assert not first.done()  # still waiting for its thread, and holding the only slot
    with pytest.raises(asyncio.CancelledError):
        await first
    assert (await second).width == 1200


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"_base64": GOOD, "status": {}}, "'status'"),
        ({"url": "http://a"}, "did you mean '_url'"),
        ({"_output_url": "x"}, "the answer sets it"),
        ({"binary_mask": "yes"}, "binary_mask"),
    ],
)
def test_a_record_is_checked_on_its_own(raw: dict[str, Any], expected: str) -> None:
    with pytest.raises(RecordRejectedError, match=expected):
        parse_record(raw)
