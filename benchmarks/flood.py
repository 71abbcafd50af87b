"""Latency of /health and of a fast call while 1,000 idle or slow-header sockets are open.

    .venv/bin/python benchmarks/flood.py [--connections 1000] [--samples 40] [--markdown]

The server is `python -m services.server` in its own process on loopback, with its default
HEADER_TIMEOUT_SECONDS and MAX_REQUESTS. The attacker is another process that keeps
`--connections` sockets open: half send nothing, half send a request head one byte a second;
a socket the server closes is opened again at once. This process measures: GET /health and
POST /removebg/fast/removebg (a 320x240 JPEG in base64), one after the other, `--samples`
times, each on a new connection as a monitor would, spread over twice the header timeout so
that the attacker's waves of reconnections fall inside. First on the idle server, then under
the flood; the goal is a p95 under the flood at most twice the idle one.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import itertools
import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
from common import Table, machine, photo, verdict
from serving import TOKEN, server_process

GOAL = 2.0  # p95 under the flood / p95 on the idle server
SLOW_HEAD = b"GET /health HTTP/1.1\r\nHost: flood\r\n"
SLOW_FIELD = b"X-Slow: 1\r\n"


@dataclass
class Probe:
    name: str
    seconds: list[float] = field(default_factory=list)
    errors: int = 0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


# The attacker, run as `flood.py --attack PORT --connections N` in its own process.


@dataclass
class Crowd:
    started: int = 0  # sockets opened at least once
    open_now: int = 0
    closed: int = 0  # by the server, since the measurement began
    refused: int = 0  # connects that failed
    lifetimes: list[float] = field(default_factory=list)
    open_samples: list[int] = field(default_factory=list)


async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, slow: bool) -> None:
    """Keep one socket open until the server closes it; a slow one sends a byte a second."""
    head = itertools.chain(SLOW_HEAD, itertools.cycle(SLOW_FIELD))
    closed = asyncio.create_task(reader.read())
    try:
        while not closed.done():
            if slow:
                writer.write(bytes([next(head)]))
            await asyncio.wait([closed], timeout=1.0)
    finally:
        closed.cancel()
        writer.close()


async def keep_open(port: int, slow: bool, delay: float, crowd: Crowd) -> None:
    await asyncio.sleep(delay)
    crowd.started += 1
    while True:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            crowd.refused += 1
            await asyncio.sleep(0.1)
            continue
        opened = time.monotonic()
        crowd.open_now += 1
        try:
            await hold(reader, writer, slow)
        finally:
            crowd.open_now -= 1
        crowd.closed += 1
        crowd.lifetimes.append(time.monotonic() - opened)


async def attack(port: int, connections: int, spread: float) -> None:
    """Open the crowd over `spread` s, say `ready`, keep it open until stdin speaks, report."""
    crowd = Crowd()
    holders = [
        asyncio.create_task(keep_open(port, i % 2 == 1, spread * i / connections, crowd))
        for i in range(connections)
    ]
    deadline = time.monotonic() + spread + 60
    while crowd.started < connections or crowd.open_now < 0.95 * connections:
        if time.monotonic() > deadline:
            print(f"only {crowd.open_now} of {connections} sockets are open", flush=True)
            return
        await asyncio.sleep(0.05)
    crowd.closed, crowd.lifetimes = 0, []
    print("ready", flush=True)
    stop = asyncio.create_task(asyncio.to_thread(sys.stdin.readline))
    while not stop.done():
        crowd.open_samples.append(crowd.open_now)
        await asyncio.wait([stop], timeout=0.1)
    for holder in holders:
        holder.cancel()
    report = {
        "closed": crowd.closed,
        "refused": crowd.refused,
        "lifetime": statistics.median(crowd.lifetimes) if crowd.lifetimes else 0.0,
        "min_open": min(crowd.open_samples),
        "mean_open": statistics.fmean(crowd.open_samples),
    }
    print(json.dumps(report), flush=True)


def raise_open_files_limit() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# The measuring side.


@contextmanager
def flood(port: int, connections: int, spread: float) -> Iterator[dict[str, float]]:
    """The attacker process with its crowd open; yields its report, filled in at the end."""
    attack = ["--attack", str(port), "--connections", str(connections), "--spread", str(spread)]
    attacker = subprocess.Popen(
        [sys.executable, __file__, *attack],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert attacker.stdin is not None
    assert attacker.stdout is not None
    report: dict[str, float] = {}
    try:
        said = attacker.stdout.readline().strip()
        if said != "ready":
            raise RuntimeError(f"the attacker did not open its connections: {said}")
        yield report
        attacker.stdin.write("stop\n")
        attacker.stdin.flush()
        report.update(json.loads(attacker.stdout.readline()))
    finally:
        attacker.kill()
        attacker.wait(30)


async def measure(url: str, image: bytes, samples: int, spacing: float) -> tuple[Probe, Probe]:
    health, call = Probe("GET /health"), Probe("POST fast, 320x240 JPEG")
    body = {"records": [{"_base64": base64.b64encode(image).decode()}]}
    headers = {"Authorization": f"Token {TOKEN}", "Connection": "close"}
    async with httpx.AsyncClient(base_url=url, timeout=60, headers=headers) as client:
        for _ in range(samples):
            for probe, send in (
                (health, lambda: client.get("/health")),
                (call, lambda: client.post("/removebg/fast/removebg", json=body)),
            ):
                started = time.perf_counter()
                answer = await send()
                probe.seconds.append(time.perf_counter() - started)
                probe.errors += answer.status_code != 200
            await asyncio.sleep(spacing)
    return health, call


def benchmark(args: argparse.Namespace) -> tuple[list[tuple[Probe, Probe]], dict[str, float]]:
    image = photo(320, 240)
    spacing = 2 * args.header_timeout / args.samples
    with server_process(HEADER_TIMEOUT_SECONDS=str(args.header_timeout)) as served:
        url, port = served.url, int(served.url.rsplit(":", 1)[1])
        asyncio.run(measure(url, image, 3, 0))  # warm-up
        idle = asyncio.run(measure(url, image, args.samples, spacing))
        with flood(port, args.connections, args.spread) as report:
            flooded = asyncio.run(measure(url, image, args.samples, spacing))
    return list(zip(idle, flooded, strict=True)), report


def table(pairs: list[tuple[Probe, Probe]], connections: int) -> Table:
    rows, ok = [], True
    for idle, flooded in pairs:
        ratio = flooded.percentile(0.95) / idle.percentile(0.95)
        passed = ratio <= GOAL and idle.errors == flooded.errors == 0
        ok = ok and passed
        rows.append(
            [
                idle.name,
                f"{statistics.median(idle.seconds) * 1000:.1f}",
                f"{idle.percentile(0.95) * 1000:.1f}",
                f"{statistics.median(flooded.seconds) * 1000:.1f}",
                f"{flooded.percentile(0.95) * 1000:.1f}",
                f"{ratio:.2f}",
                str(idle.errors + flooded.errors),
                verdict(passed),
            ]
        )
    header = ["probe", "idle p50 ms", "idle p95 ms"]
    header += [f"{connections} sockets p50 ms", "p95 ms", f"p95 ratio (goal <= {GOAL:g})"]
    return Table([*header, "non-200", "verdict"], rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=1000, help="attacker sockets")
    parser.add_argument("--samples", type=int, default=40, help="calls per probe and phase")
    parser.add_argument("--header-timeout", type=float, default=10.0, help="the server's")
    parser.add_argument(
        "--spread", type=float, help="s over which the crowd is first opened (the timeout)"
    )
    parser.add_argument("--attack", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    raise_open_files_limit()
    if args.spread is None:
        args.spread = args.header_timeout
    if args.attack:
        asyncio.run(attack(args.attack, args.connections, args.spread))
        return 0
    print(f"machine: {machine()}")
    pairs, report = benchmark(args)
    print(table(pairs, args.connections).render(markdown=args.markdown))
    half = args.connections // 2
    print(
        f"attacker: {half} idle + {args.connections - half} slow-header sockets; open during "
        f"the measurement: min {report['min_open']:.0f}, mean {report['mean_open']:.0f}; "
        f"closed by the server: {report['closed']:.0f} (median lifetime "
        f"{report['lifetime']:.1f} s; header timeout {args.header_timeout:g} s); "
        f"failed connects: {report['refused']:.0f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
