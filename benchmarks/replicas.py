"""Three API replicas sharing one bucket behind HAProxy, one of them killed midway.

    .venv/bin/python benchmarks/replicas.py [--calls 200] [--clients 16] [--markdown]

The bucket is moto's S3 server on loopback; HAProxy is Debian's (installed here when missing
and this runs as root, else the script says why it can't run). `--clients` callers make
`--calls` fast calls (a 640x480 photo) through the balancer with the project's client and its
retries; when half are done, one replica gets `kill -9`. The client downloads each call's
output from the URL in the answer (here a pre-signed URL of the bucket) before it returns.
The same calls against one replica with the local store give the baseline throughput.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

import boto3
import httpx
from common import Table, machine, photo, verdict
from moto.server import ThreadedMotoServer
from serving import TOKEN, Served, free_port, server_process

from services.contract import RemoveBgError
from services.removebg import RemoveBgClient

GOAL = 0.10  # balancer + bucket may cost at most this share of one replica's throughput
KEYS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench-secret"}


@dataclass
class Run:
    seconds: float = 0.0
    outputs: list[int] = field(default_factory=list)  # bytes of each downloaded cut-out
    failures: list[str] = field(default_factory=list)

    def throughput(self, calls: int) -> float:
        return calls / self.seconds if self.seconds else 0.0


def haproxy() -> str | None:
    """HAProxy's path, installing Debian's package when missing and allowed; None if not."""
    found = shutil.which("haproxy") or shutil.which("/usr/sbin/haproxy")
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    subprocess.run(["apt-get", "install", "-y", "-q", "haproxy"], check=False, capture_output=True)
    return shutil.which("haproxy") or shutil.which("/usr/sbin/haproxy")


def haproxy_config(port: int, stats: int, replicas: list[int]) -> str:
    servers = "\n".join(
        f"    server r{i} 127.0.0.1:{p} check inter 500ms fall 2 rise 2"
        for i, p in enumerate(replicas)
    )
    return f"""global
    maxconn 1024
defaults
    mode http
    timeout connect 2s
    timeout client 300s
    timeout server 300s
    retries 3
    option redispatch
frontend api
    bind 127.0.0.1:{port}
    default_backend replicas
backend replicas
    balance leastconn
    option httpchk GET /health/ready
    http-check expect status 200
    retry-on conn-failure empty-response
{servers}
listen stats
    bind 127.0.0.1:{stats}
    stats enable
    stats uri /stats
"""


@contextmanager
def balancer(binary: str, replicas: list[int]) -> Iterator[tuple[str, str]]:
    port, stats = free_port(), free_port()
    with tempfile.NamedTemporaryFile("w", suffix=".cfg") as config:
        config.write(haproxy_config(port, stats, replicas))
        config.flush()
        process = subprocess.Popen([binary, "-f", config.name, "-db"], stderr=subprocess.DEVNULL)
        try:
            time.sleep(1.5)  # its first health checks
            yield f"http://127.0.0.1:{port}", f"http://127.0.0.1:{stats}/stats;csv"
        finally:
            process.terminate()
            process.wait(10)


def server_states(stats_url: str) -> dict[str, str]:
    text = httpx.get(stats_url).text.lstrip("# ")
    return {
        row["svname"]: row["status"]
        for row in csv.DictReader(io.StringIO(text))
        if row["pxname"] == "replicas" and row["svname"].startswith("r")
    }


async def drive(url: str, calls: int, clients: int, kill: Served | None = None) -> Run:
    image, run, done = photo(640, 480), Run(), [0]
    todo = iter(range(calls))

    async def caller() -> None:
        async with RemoveBgClient(url, TOKEN, retries=8, max_retry_after=60, timeout=300) as c:
            for _ in todo:
                try:
                    result = await c.remove(image, model="fast")
                    run.outputs.append(len(result.image))
                except RemoveBgError as exc:
                    run.failures.append(str(exc))
                done[0] += 1
                if kill is not None and done[0] == calls // 2:
                    os.kill(kill.pid, signal.SIGKILL)

    started = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(clients)))
    run.seconds = time.perf_counter() - started
    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    binary = haproxy()
    if binary is None:
        print("skipped: HAProxy is not installed (apt-get install haproxy, as root)")
        return 0
    print(f"machine: {machine()}")
    with server_process() as one:
        asyncio.run(drive(one.url, 4, 2))  # warm-up
        baseline = asyncio.run(drive(one.url, args.calls, args.clients))
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    try:
        host, port = moto.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench-secret",
        )
        s3.create_bucket(Bucket="outputs")
        shared = {"OUTPUT_STORE": "s3://outputs/cutouts", "S3_ENDPOINT_URL": endpoint, **KEYS}
        with ExitStack() as stack:
            replicas = [stack.enter_context(server_process(**shared)) for _ in range(3)]
            ports = [int(r.url.rsplit(":", 1)[1]) for r in replicas]
            url, stats = stack.enter_context(balancer(binary, ports))
            asyncio.run(drive(url, 6, 3))  # warm-up, every replica
            spread = asyncio.run(drive(url, args.calls, args.clients, kill=replicas[0]))
            time.sleep(1.5)
            states = server_states(stats)
    finally:
        moto.stop()
    overhead = 1 - spread.throughput(args.calls) / baseline.throughput(args.calls)
    fetched = sum(1 for size in spread.outputs if size)
    rows = [
        [
            "one replica, local store",
            f"{len(baseline.outputs)}/{args.calls}",
            "-",
            f"{baseline.throughput(args.calls):.2f}",
            "-",
        ],
        [
            "3 replicas + HAProxy + S3, one killed",
            f"{len(spread.outputs)}/{args.calls}",
            f"{fetched}/{len(spread.outputs)}",
            f"{spread.throughput(args.calls):.2f}",
            f"{overhead:.1%}",
        ],
    ]
    print(
        Table(
            ["set-up", "calls succeeded", "outputs downloaded", "calls/s", "overhead"], rows
        ).render(markdown=args.markdown)
    )
    print(f"HAProxy's view after the kill: {states}")
    ok = (
        not spread.failures
        and fetched == args.calls
        and states.get("r0") == "DOWN"
        and overhead <= GOAL
    )
    print(f"goals (all calls, all downloads, r0 taken out, overhead <= {GOAL:.0%}): {verdict(ok)}")
    for failure in sorted(set(spread.failures))[:5]:
        print(f"failure: {failure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
