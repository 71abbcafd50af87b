"""Peak memory (RSS) to cut out one 12 MP photo, ours against rembg, each in a fresh process.

.venv/bin/python benchmarks/memory.py [--cases ours-precise,...] [--markdown]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
from pathlib import Path

from common import Table, make_engine, photo, rembg_remove, rembg_session, verdict

CASES = ("ours-fast", "ours-precise", "rembg-fast", "rembg-precise")
WIDTH, HEIGHT = 4000, 3000
GOAL_MB = 1536  # ours with precise: 1.5 GB


def peak_mb() -> float:
    """This process's peak RSS so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def cut_ours(model: str, data: bytes) -> None:
    engine = make_engine()
    try:
        await engine.remove(data, model=model)
    finally:
        engine.close()


def child(case: str) -> dict[str, float]:
    """Run one case in this process and report its memory in MB."""
    data = photo(WIDTH, HEIGHT)
    before = peak_mb()
    who, model = case.split("-", 1)
    if who == "ours":
        asyncio.run(cut_ours(model, data))
    else:
        rembg_remove(data, rembg_session(model))
    return {"before": before, "peak": peak_mb()}


def measure(case: str) -> dict[str, float]:
    """Run `case` in a fresh interpreter and read its report."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", case],
        capture_output=True,
        text=True,
        check=True,
    )
    report: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=",".join(CASES), help="comma-separated")
    parser.add_argument("--markdown", action="store_true", help="print markdown tables")
    parser.add_argument("--child", choices=CASES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child)))
        return 0
    rows = []
    for case in args.cases.split(","):
        report = measure(case.strip())
        goal = verdict(report["peak"] <= GOAL_MB) if case == "ours-precise" else ""
        rows.append([case, f"{report['before']:.0f}", f"{report['peak']:.0f}", goal])
        print(f"{case}: done", file=sys.stderr, flush=True)
    header = [
        "case (12 MP JPEG)",
        "peak before the cut, MB",
        "peak RSS, MB",
        f"goal <= {GOAL_MB} MB",
    ]
    print(Table(header, rows).render(markdown=args.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
