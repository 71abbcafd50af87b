"""Fairness under steady overload: how many tries a call needs when its client obeys Retry-After.

    .venv/bin/python benchmarks/fairness.py [--clients 20] [--calls 10] [--markdown]

`--clients` callers each make `--calls` fast calls in a row (a 640x480 photo) through the
project's client, which waits out each 429's Retry-After and tries again. The server runs in
its own process with one engine slot and the default queue (17 records), so 20 callers keep
it overloaded. Two set-ups: the default, where a call waits its turn in line for up to
QUEUE_WAIT_SECONDS; and QUEUE_WAIT_SECONDS=0, where a call that finds the queue full is
refused at once and told when to come back.
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx
from common import Table, machine, photo, verdict
from serving import TOKEN, server_process

from services.removebg import RemoveBgClient

MAX_TRIES_GOAL = 3
tries: contextvars.ContextVar[list[int]] = contextvars.ContextVar("tries")


class CountingTransport(httpx.AsyncHTTPTransport):
    """Counts each POST, and each 429, for the call being made in this task."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        if request.method == "POST":
            counts = tries.get()
            counts[0] += 1
            counts[1] += response.status_code == 429
        return response


@dataclass
class Outcome:
    tries: list[int] = field(default_factory=list)
    refusals: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)


async def drive(url: str, clients: int, calls: int) -> Outcome:
    image = photo(640, 480)
    outcome = Outcome()

    async def caller(client: RemoveBgClient) -> None:
        for _ in range(calls):
            tries.set(counts := [0, 0])
            started = time.perf_counter()
            try:
                await client.remove(image, model="fast")
            except Exception as exc:  # counted and shown, not hidden
                outcome.failures[type(exc).__name__] += 1
            outcome.latencies.append(time.perf_counter() - started)
            outcome.tries.append(counts[0])
            outcome.refusals += counts[1]

    async def one_client() -> None:
        async with RemoveBgClient(
            url, TOKEN, retries=50, max_retry_after=300, timeout=300, transport=CountingTransport()
        ) as client:
            await caller(client)

    await asyncio.gather(*(one_client() for _ in range(clients)))
    return outcome


def row(name: str, outcome: Outcome) -> list[str]:
    ordered = sorted(outcome.tries)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    latencies = sorted(outcome.latencies)
    failed = sum(outcome.failures.values())
    return [
        name,
        f"{len(ordered) - failed}/{len(ordered)}",
        str(outcome.refusals),
        f"{statistics.mean(ordered):.2f}",
        str(p95),
        str(ordered[-1]),
        f"{statistics.median(latencies):.1f}",
        f"{latencies[-1]:.1f}",
        verdict(failed == 0 and ordered[-1] <= MAX_TRIES_GOAL),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    print(f"machine: {machine()}")
    rows = []
    for name, settings in (
        ("waiting in line (default)", {}),
        ("refused at once (QUEUE_WAIT_SECONDS=0)", {"QUEUE_WAIT_SECONDS": "0"}),
    ):
        with server_process(**settings) as served:
            outcome = asyncio.run(drive(served.url, args.clients, args.calls))
        rows.append(row(name, outcome))
        if outcome.failures:
            print(f"{name}: failures {dict(outcome.failures)}")
    header = [
        f"set-up ({args.clients} clients x {args.calls} calls)",
        "succeeded",
        "429s",
        "mean tries",
        "p95 tries",
        "max tries",
        "p50 s",
        "max s",
        f"max tries <= {MAX_TRIES_GOAL}",
    ]
    print(Table(header, rows).render(markdown=args.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
