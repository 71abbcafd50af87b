"""The server's figures for Prometheus: calls and records, time by stage, the line, the store."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from .admission import Admission

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Stages of one record: the engine's own (decode .. encode), then fetching and storing.
STAGE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class ServerMetrics:
    """One registry a server, made in its lifespan; `render()` is the `/metrics` answer."""

    def __init__(self, admission: Admission) -> None:
        self.registry = CollectorRegistry()
        self.calls = Counter(
            "removebg_calls",
            "Calls answered, by model and HTTP status",
            ["model", "code"],
            registry=self.registry,
        )
        self.records = Counter(
            "removebg_records",
            "Records answered, by model and their own status",
            ["model", "code"],
            registry=self.registry,
        )
        self.stages = Histogram(
            "removebg_stage_seconds",
            "Seconds one record spent in each stage",
            ["stage"],
            buckets=STAGE_BUCKETS,
            registry=self.registry,
        )
        self.engine_busy = Counter(
            "removebg_engine_busy_seconds",
            "Seconds the engine spent on records",
            registry=self.registry,
        )
        self.store_errors = Counter(
            "removebg_store_errors", "Outputs the store failed to keep", registry=self.registry
        )
        self.registry.register(_LineCollector(admission))

    def stage(self, name: str, seconds: float) -> None:
        self.stages.labels(name).observe(seconds)

    def cutout(self, timings: dict[str, float]) -> None:
        for name, seconds in timings.items():
            self.stage(name, seconds)
        self.engine_busy.inc(sum(timings.values()))

    def store_failed(self) -> None:
        self.store_errors.inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _LineCollector(Collector):
    """The admission line as it is when scraped."""

    def __init__(self, admission: Admission) -> None:
        self._admission = admission

    def collect(self) -> Iterator[GaugeMetricFamily]:
        line = self._admission
        for name, text, value in (
            ("removebg_queue_records", "Records admitted: running or queued", line.pending),
            ("removebg_queue_capacity", "Records the queue holds at most", line.capacity),
            ("removebg_queue_waiting_calls", "Calls waiting their turn", line.waiting),
            ("removebg_queue_reading_calls", "Calls admitted, reading bodies", line.reading),
            ("removebg_queue_body_bytes", "Request body bytes held", line.held),
        ):
            yield GaugeMetricFamily(name, text, value=value)
