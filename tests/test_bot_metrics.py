"""The bot's /metrics: jobs by state and model, Telegram and backend errors, queue waits."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from telegram.error import BadRequest, Forbidden, RetryAfter

from bot.flood import FloodLimiter
from bot.metrics import BotMetrics
from storage import JobOptions, Jobs, SharedDatabase
from tests.servers import free_port
from tests.storage_fixtures import NOW, source


def figures(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_jobs_are_counted_by_state_and_model_from_the_database(db: SharedDatabase) -> None:
    jobs, metrics = Jobs(db), BotMetrics()
    metrics.watch_jobs(jobs)
    for _ in range(2):
        jobs.create([source()], options=JobOptions(), now=NOW, model="fast", state="queued")
    jobs.create([source()], options=JobOptions(), now=NOW)
    metrics.serve("127.0.0.1", port := free_port())
    try:
        text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    finally:
        metrics.close()
    seen = figures(text)
    assert seen[("bot_jobs", (("model", "fast"), ("state", "queued")))] == 2
    assert seen[("bot_jobs", (("model", "none"), ("state", "choosing")))] == 1
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/metrics")  # closed with the bot


async def test_telegram_errors_are_counted_by_method_and_code() -> None:
    metrics = BotMetrics()
    limiter = FloodLimiter(max_retries=1, on_error=metrics.telegram_error)

    def failing(error: Exception) -> Any:
        async def call() -> Any:
            raise error

        return call

    for error in (BadRequest("message is not modified"), Forbidden("blocked"), RetryAfter(0)):
        with pytest.raises(type(error)):
            await limiter.process_request(failing(error), (), {}, "sendDocument", {}, 0)
    value = metrics.registry.get_sample_value
    assert value("bot_telegram_errors_total", {"method": "sendDocument", "code": "400"}) == 1
    assert value("bot_telegram_errors_total", {"method": "sendDocument", "code": "403"}) == 1
    assert value("bot_telegram_errors_total", {"method": "sendDocument", "code": "429"}) == 1


def test_backend_errors_are_counted_by_kind() -> None:
    metrics = BotMetrics()
    metrics.backend_error(TimeoutError())
    metrics.backend_error(TimeoutError())
    assert (
        metrics.registry.get_sample_value("bot_backend_errors_total", {"error": "TimeoutError"})
        == 2
    )
