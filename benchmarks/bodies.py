"""The server's peak memory under a flood of large request bodies.

    .venv/bin/python benchmarks/bodies.py [--clients 64] [--calls 2] [--mb 60] [--markdown]

`--clients` callers each send `--calls` calls of one record whose body is `--mb` MB: base64
of random bytes (so the engine refuses it once decoded: the cost is the body's, not the
model's), then one real fast call checks that the server still answers. The server runs
with its default settings, in its own process; its peak RSS (VmHWM) is read at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator

import httpx
from common import Table, machine, photo, verdict
from serving import TOKEN, server_process

GOAL_MB = 2048
HEADERS = {"Authorization": f"Token {TOKEN}", "Content-Type": "application/json"}


def big_body(megabytes: float) -> bytes:
    raw = os.urandom(int(megabytes * 1e6 * 3 / 4) - 64)
    return b'{"records": [{"_base64": "' + base64.b64encode(raw) + b'"}]}'


async def in_parts(body: bytes, size: int = 1 << 20) -> AsyncIterator[bytes]:
    """The body a megabyte at a time: handed to httpx whole, a 60 MB body stalled its upload
    after an early answer, so the client lost the server's 429 (ReadError)."""
    for at in range(0, len(body), size):
        yield body[at : at + size]


async def flood(url: str, body: bytes, clients: int, calls: int) -> tuple[Counter[str], float]:
    codes: Counter[str] = Counter()
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(timeout=900, limits=limits) as http:

        async def caller() -> None:
            for _ in range(calls):
                try:
                    response = await http.post(
                        f"{url}/removebg/fast/removebg",
                        content=in_parts(body),
                        headers={**HEADERS, "Content-Length": str(len(body))},
                    )
                except httpx.TransportError as exc:
                    codes[type(exc).__name__] += 1
                    continue
                record = response.json().get("records", [{}])[0].get("_status", {})
                codes[f"{response.status_code}/{record.get('code', '-')}"] += 1

        started = time.perf_counter()
        await asyncio.gather(*(caller() for _ in range(clients)))
        return codes, time.perf_counter() - started


async def real_call(url: str) -> int:
    data = base64.b64encode(photo(640, 480)).decode()
    async with httpx.AsyncClient(timeout=120) as http:
        response = await http.post(
            f"{url}/removebg/fast/removebg",
            json={"records": [{"_base64": data}]},
            headers=HEADERS,
        )
    return int(response.json()["records"][0]["_status"]["code"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=64, help="concurrent callers")
    parser.add_argument("--calls", type=int, default=2, help="calls per caller")
    parser.add_argument("--mb", type=float, default=60, help="size of each body, in MB")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    print(f"machine: {machine()}")
    body = big_body(args.mb)
    with server_process() as served:
        idle = served.memory()["VmRSS"]
        codes, seconds = asyncio.run(flood(served.url, body, args.clients, args.calls))
        after = asyncio.run(real_call(served.url))
        peak = served.memory()["VmHWM"]
    answers = ", ".join(f"{code} x{count}" for code, count in sorted(codes.items()))
    rows = [
        ["bodies", f"{args.clients} callers x {args.calls} calls x {len(body) / 1e6:.0f} MB"],
        ["answers (call/record)", answers],
        ["flood took", f"{seconds:.1f} s"],
        ["a real fast call afterwards", str(after)],
        ["server RSS idle", f"{idle} MB"],
        ["server peak RSS", f"{peak} MB  (goal < {GOAL_MB} MB) {verdict(peak < GOAL_MB)}"],
    ]
    print(Table(["", "figure"], rows).render(markdown=args.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
