"""`python -m services.cli.weights fetch|verify|list`: fetch, check and list the model weights."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..config import Settings
from ..engine import ModelUnavailableError
from ..engine.registry import MODELS, ModelSpec, configured, with_companions
from ..engine.weights import WeightsDir


def _list(weights: WeightsDir, specs: list[ModelSpec]) -> int:
    for spec in specs:
        record = weights.record(spec)
        where = weights.path(spec)
        state = f"{record.sha256[:16]}… from {record.source}" if record else "not fetched"
        print(f"{spec.name:8} {spec.title:10} {where}  {state}")
        print(f"{'':8} licence: {spec.licence}")
    return 0


def _fetch(weights: WeightsDir, specs: list[ModelSpec], force: bool) -> int:
    for spec in specs:
        if weights.is_present(spec) and not force:
            weights.verify(spec, progress=True)
            print(f"{spec.name}: present and verified")
            continue
        print(f"{spec.name}: fetching {spec.title}")
        record = weights.fetch(spec, force=force)
        print(f"{spec.name}: ready, sha256 {record.sha256}")
    return 0


def _verify(weights: WeightsDir, specs: list[ModelSpec]) -> int:
    for spec in specs:
        weights.verify(spec, progress=True)
        print(f"{spec.name}: ok")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.cli.weights")
    parser.add_argument("command", choices=["fetch", "verify", "list"])
    parser.add_argument("names", nargs="*", choices=[[], *MODELS], help="default: all")
    parser.add_argument("--force", action="store_true", help="fetch again even if present")
    args = parser.parse_args(argv)
    settings = Settings().engine
    weights = WeightsDir(Path(settings.models_dir))
    wanted = args.names or list(MODELS)
    specs = with_companions([s for s in configured(settings.model_sources()) if s.name in wanted])
    try:
        if args.command == "list":
            return _list(weights, specs)
        if args.command == "fetch":
            return _fetch(weights, specs, args.force)
        return _verify(weights, specs)
    except ModelUnavailableError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
