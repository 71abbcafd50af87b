"""Throughput through the HTTP API against the in-process engine, in the same run.

    .venv/bin/python benchmarks/api.py [--images N] [--clients 8] [--rounds 2] [--markdown]

The server is `python -m services.server` in its own process on loopback, with the same
engine settings as the in-process engine (2 threads, one image at a time). Both sides get
the same 1280x960 JPEG, the fast model and the default output (a PNG cut-out), from
`--clients` concurrent callers. Rounds alternate between the two so that noise hits both.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from common import Table, machine, make_engine, photo, verdict
from serving import TOKEN, server_process

from services.removebg import RemoveBgClient

GOAL = 0.10  # the HTTP and base64 overhead may cost at most this share of throughput

Job = Callable[[], Awaitable[object]]


@dataclass
class Side:
    seconds: float = 0.0
    images: int = 0
    latencies: list[float] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return self.images / self.seconds if self.seconds else 0.0


async def drive(job: Job, images: int, clients: int, side: Side) -> None:
    """`images` calls of `job` from `clients` concurrent callers."""
    todo = iter(range(images))

    async def caller() -> None:
        for _ in todo:
            started = time.perf_counter()
            await job()
            side.latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(clients)))
    side.seconds += time.perf_counter() - started
    side.images += images


async def benchmark(images: int, clients: int, rounds: int) -> tuple[Side, Side]:
    data = photo(1280, 960)
    local, remote = Side(), Side()
    engine = make_engine()
    await engine.warm_up("fast")
    try:
        with server_process() as served:
            async with RemoveBgClient(served.url, TOKEN, timeout=300) as client:
                await client.remove(data, model="fast")  # warm-up
                for _ in range(rounds):
                    await drive(lambda: engine.remove(data, model="fast"), images, clients, local)
                    await drive(lambda: client.remove(data, model="fast"), images, clients, remote)
    finally:
        engine.close()
    return local, remote


def table(local: Side, remote: Side, clients: int) -> Table:
    overhead = 1.0 - remote.throughput / local.throughput
    rows = []
    for name, side in (("in-process engine", local), ("HTTP API + client", remote)):
        latencies = sorted(side.latencies)
        p95 = latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
        rows.append(
            [
                name,
                str(side.images),
                f"{side.throughput:.2f}",
                f"{statistics.median(latencies):.2f}",
                f"{p95:.2f}",
            ]
        )
    rows.append(
        ["HTTP overhead", "", f"{overhead:.1%}", f"goal <= {GOAL:.0%}", verdict(overhead <= GOAL)]
    )
    header = ["path", "images", "images/s", f"p50 s ({clients} callers)", "p95 s"]
    return Table(header, rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=24, help="images per side per round")
    parser.add_argument("--clients", type=int, default=8, help="concurrent callers")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    print(f"machine: {machine()}")
    local, remote = asyncio.run(benchmark(args.images, args.clients, args.rounds))
    print(table(local, remote, args.clients).render(markdown=args.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
