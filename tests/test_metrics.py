"""GET /metrics: what the server did, in Prometheus' text format, read by its own parser."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.images import disc, encode
from tests.servers import TOKEN, running, server_settings

GOOD = {"_base64": base64.b64encode(encode(disc(), "JPEG")).decode()}


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_count_calls_records_stages_and_the_line(tmp_path: Path, models_dir: Path) -> None:
    with running(server_settings(tmp_path, models_dir)) as url, httpx.Client(timeout=60) as http:
        auth = {"Authorization": f"Token {TOKEN}"}
        endpoint = f"{url}/removebg/fast/removebg"
        http.post(endpoint, json={"records": [GOOD, {"_base64": "%%"}]}, headers=auth)
        http.post(endpoint, json={"records": [GOOD]}, headers={"Authorization": "Token no"})
        http.post(f"{url}/removebg/medium/removebg", json={"records": [GOOD]}, headers=auth)
        response = http.get(f"{url}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    figures = samples(response.text)
    assert figures[("removebg_calls_total", (("code", "200"), ("model", "fast")))] == 1
    assert figures[("removebg_calls_total", (("code", "401"), ("model", "fast")))] == 1
    assert figures[("removebg_calls_total", (("code", "404"), ("model", "other")))] == 1
    assert figures[("removebg_records_total", (("code", "200"), ("model", "fast")))] == 1
    assert figures[("removebg_records_total", (("code", "400"), ("model", "fast")))] == 1
    for stage in ("fetch", "decode", "inference", "encode", "store"):
        assert figures[("removebg_stage_seconds_count", (("stage", stage),))] >= 1
    assert figures[("removebg_engine_busy_seconds_total", ())] > 0
    assert figures[("removebg_store_errors_total", ())] == 0
    assert figures[("removebg_queue_capacity", ())] == 17
    assert figures[("removebg_queue_records", ())] == 0
