"""The bot under load, end to end: many people at once against the real fast engine.

    .venv/bin/python benchmarks/load.py [--users 50] [--groups 3] [--images 2] [--markdown]

One process runs our Bot API peer (tests/e2e/botapi.py) and the bot as `python -m bot` wires
it, polling the peer on loopback, with the embedded engine (2 threads, one image at a time).
The people are `tests/e2e/loadgen.py`'s: `--users` private chats with `--images` images each
(every fifth as one album) and `--groups` groups with `--images` /removebg requests each; all
press ⚡ Fast. Images are 320x240-ish JPEGs and PNGs. A job is one choice keyboard (an album is
one job); times are when a call reached the peer.

- **engine busy**: the time during which the backend held at least one image (the union of
  the spans of its `remove` calls; with one image at a time, the engine was working).
- **bot overhead**: how much longer the load took than the engine's own work: from the first
  press to the last result, the time the engine had nothing to do, over the engine's busy
  time. Everything the bot does besides inference (keyboards, status edits, getFile and
  download, SQLite, upload, waits in the rate limiter) costs throughput only where it leaves
  the engine idle. Goal: <= 10 %.
- **engine idle**: the share of the time from the first press to the last result during
  which the engine had nothing to do: the throughput the bot loses.
- **first reply**: from an image (in groups, the /removebg) reaching the peer to the bot's
  choice keyboard replying to it, for the single images that came while the engine was busy.
  Goal: p95 <= 0.5 s. Albums are shown apart: the bot waits for 1 s of quiet after an
  album's last image before it answers. **press to status**: from Fast to the first edit of
  the keyboard's message.
- **Telegram calls per job**: the calls with a chat_id, which the flood limiter
  (bot/flood.py) counts against 30 a second overall and 20 a minute per group.
- **peak RSS**: of this process (bot, peer and engine), from getrusage.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from common import MODELS_DIR, ROOT, Table, machine, verdict

if str(ROOT) not in sys.path:  # the peer and the scenario live in tests/, not installed
    sys.path.insert(0, str(ROOT))

from services.contract import Backend, OutputOptions, RemoveBgResult  # noqa: E402
from services.contract.wire import Model  # noqa: E402
from tests.e2e.botapi import BotApiPeer, running_peer  # noqa: E402
from tests.e2e.harness import (  # noqa: E402
    WrappedBackend,
    bot_settings,
    local_backend,
    running_bot,
)
from tests.e2e.loadgen import Ledger, LoadRun, Plan, Unit, wait_settled  # noqa: E402

OVERHEAD_GOAL = 0.10
FIRST_REPLY_GOAL = 0.5
Span = tuple[float, float]


class MeteredBackend(WrappedBackend):
    """The backend, noting the span of every `remove` call."""

    def __init__(self, inner: Backend) -> None:
        super().__init__(inner)
        self.spans: list[Span] = []

    async def remove(
        self, image: bytes, *, model: Model, options: OutputOptions | None = None
    ) -> RemoveBgResult:
        started = time.monotonic()
        try:
            return await self.inner.remove(image, model=model, options=options)
        finally:
            self.spans.append((started, time.monotonic()))


def attach_usage(units: list[Unit], ledger: Ledger) -> None:
    """Each unit's processing_s: the sum over the usage rows of its images' jobs."""
    jobs = {job["id"]: (job["chat_id"], job["source_message_id"]) for job in ledger.jobs}
    by_source: dict[tuple[int, int], float] = {}
    for row in ledger.usage:
        key = jobs.get(row["job_id"])
        if key is not None:
            by_source[key] = by_source.get(key, 0.0) + (row["processing_s"] or 0.0)
    for unit in units:
        unit.processing_s = sum(by_source.get((unit.chat_id, s), 0.0) for s in unit.sources)


def union(spans: Sequence[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def inside(moment: float, spans: Sequence[Span]) -> bool:
    return any(start <= moment <= end for start, end in spans)


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else 0.0


@dataclass(frozen=True)
class Figures:
    jobs: int
    images: int
    wall: float
    busy: float
    overhead: float
    idle: float
    first_reply: list[float]
    album_reply: list[float]
    press_to_status: list[float]
    calls_per_job: float
    peak_rss_mb: float


def figures(units: list[Unit], spans: list[Span], started: float, calls: int) -> Figures:
    busy_spans = union(spans)
    busy = sum(end - start for start, end in busy_spans)
    answered = [u.answered_at for u in units if u.answered_at is not None]
    first_press = min(u.pressed_at for u in units)
    active = max(answered) - first_press
    return Figures(
        jobs=len(units),
        images=sum(len(u.sources) for u in units),
        wall=max(answered) - started,
        busy=busy,
        overhead=(active - busy) / busy,
        idle=(active - busy) / active,
        first_reply=[
            u.first_reply_s for u in units if len(u.sources) == 1 and inside(u.sent_at, busy_spans)
        ],
        album_reply=[u.first_reply_s for u in units if len(u.sources) > 1],
        press_to_status=[u.started_at - u.pressed_at for u in units if u.started_at],
        calls_per_job=calls / len(units),
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )


async def measure(peer: BotApiPeer, plan: Plan, tmp: Path) -> Figures:
    settings = bot_settings(peer, tmp, MODELS_DIR)
    backend = MeteredBackend(local_backend(MODELS_DIR))
    async with running_bot(settings, backend):
        async with LoadRun(peer, plan) as run:
            units = await run.finish(timeout=600)
        ledger = await wait_settled(settings.bot.database_path, timeout=30)
    if run.unacknowledged or len(units) != plan.expected_units():
        raise RuntimeError(f"{len(units)} jobs of {plan.expected_units()} acknowledged")
    attach_usage(units, ledger)
    limited = [c for c in peer.calls() if isinstance(c.params.get("chat_id"), int)]
    return figures(units, backend.spans, run.started, len(limited))


def seconds(values: Sequence[float], share: float) -> str:
    return f"{percentile(values, share):.3f} s" if values else "-"


def table(f: Figures) -> Table:
    first, press = f.first_reply, f.press_to_status
    first_ok = percentile(first, 0.95) <= FIRST_REPLY_GOAL
    rows = [
        ["jobs (images)", f"{f.jobs} ({f.images})", "", ""],
        ["wall time", f"{f.wall:.1f} s", "", ""],
        ["engine busy", f"{f.busy:.1f} s ({f.images / f.busy:.2f} images/s)", "", ""],
        ["bot overhead", f"{f.overhead:.1%}", f"<= {OVERHEAD_GOAL:.0%}", ""],
        ["engine idle, first press to last result", f"{f.idle:.1%}", "", ""],
        [f"first reply p50 ({len(first)} images)", seconds(first, 0.5), "", ""],
        ["first reply p95", seconds(first, 0.95), f"<= {FIRST_REPLY_GOAL} s", verdict(first_ok)],
        [f"album first reply p50 ({len(f.album_reply)})", seconds(f.album_reply, 0.5), "", ""],
        ["press to status p50", seconds(press, 0.5), "", ""],
        ["press to status p95", seconds(press, 0.95), "", ""],
        ["Telegram calls per job (rate-limited)", f"{f.calls_per_job:.1f}", "", ""],
        ["peak RSS", f"{f.peak_rss_mb:.0f} MB", "", ""],
    ]
    rows[3][3] = verdict(f.overhead <= OVERHEAD_GOAL)
    return Table(["figure", "value", "goal", ""], rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50, help="people in private chats")
    parser.add_argument("--groups", type=int, default=3, help="groups of three")
    parser.add_argument("--images", type=int, default=2, help="images per person and group")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    plan = Plan(
        users=args.users,
        groups=args.groups,
        images=args.images,
        group_images=args.images,
        seed=args.seed,
    )
    print(f"machine: {machine()}")
    with running_peer() as peer, tempfile.TemporaryDirectory() as tmp:
        found = asyncio.run(measure(peer, plan, Path(tmp)))
    print(table(found).render(markdown=args.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
