from __future__ import annotations

import threading

from services.engine.workers import Workers


def test_workers_map_keeps_order_and_uses_helper_threads() -> None:
    workers = Workers(2)
    seen: list[str] = []

    def name(item: int) -> int:
        seen.append(threading.current_thread().name)
        return item * 10

    try:
        assert workers.map(name, [1, 2, 3]) == [10, 20, 30]
    finally:
        workers.close()
    assert seen.count(threading.current_thread().name) == 1
    assert sum(n.startswith("engine-helper") for n in seen) == 2


def test_one_worker_runs_everything_inline() -> None:
    workers = Workers(1)
    names = workers.map(lambda _: threading.current_thread().name, range(3))
    assert set(names) == {threading.current_thread().name}
