"""The bot's figures for Prometheus, served on METRICS_PORT when it is set."""

from __future__ import annotations

from collections.abc import Iterator
from threading import Thread
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from storage import Jobs

WAIT_BUCKETS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
# Telegram's errors by the HTTP code behind them; network faults have none.
CODES: tuple[tuple[type[TelegramError], str], ...] = (
    (RetryAfter, "429"),
    (BadRequest, "400"),
    (InvalidToken, "401"),
    (Forbidden, "403"),
    (Conflict, "409"),
    (TimedOut, "timeout"),
    (NetworkError, "network"),
)


class BotMetrics:
    """One registry; `serve` starts its HTTP server in post_init, `close` stops it."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.queue_wait = Histogram(
            "bot_queue_wait_seconds",
            "Seconds a job waited for a slot of the backend",
            buckets=WAIT_BUCKETS,
            registry=self.registry,
        )
        self.telegram_errors = Counter(
            "bot_telegram_errors",
            "Errors of Bot API calls, by method and code",
            ["method", "code"],
            registry=self.registry,
        )
        self.backend_errors = Counter(
            "bot_backend_errors",
            "Errors of the background-removal backend, by kind",
            ["error"],
            registry=self.registry,
        )
        self._server: tuple[WSGIServer, Thread] | None = None

    def watch_jobs(self, jobs: Jobs) -> None:
        self.registry.register(_JobsCollector(jobs))

    def telegram_error(self, method: str, exc: TelegramError) -> None:
        code = next((code for kind, code in CODES if isinstance(exc, kind)), "other")
        self.telegram_errors.labels(method, code).inc()

    def backend_error(self, exc: Exception) -> None:
        self.backend_errors.labels(type(exc).__name__).inc()

    def serve(self, host: str, port: int) -> None:
        self._server = start_http_server(port, addr=host, registry=self.registry)

    def close(self) -> None:
        if self._server is not None:
            server, thread = self._server
            server.shutdown()
            thread.join(5)
            self._server = None


class _JobsCollector(Collector):
    """Jobs by state and model, read from the database when scraped."""

    def __init__(self, jobs: Jobs) -> None:
        self._jobs = jobs

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "bot_jobs", "Jobs kept, by state and model", labels=["state", "model"]
        )
        for (state, model), count in sorted(self._jobs.counts().items()):
            family.add_metric([state, model], count)
        yield family
