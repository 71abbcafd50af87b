from __future__ import annotations

import threading

from services.engine.workers import Workers


def test_workers_map_keeps_order_on_worker_threads() -> None:
    workers = Workers(2)
    try:
        results = workers.map(lambda item: (item * 10, threading.current_thread().name), range(5))
    finally:
        workers.close()
    assert [value for value, _ in results] == [0, 10, 20, 30, 40]
    assert all(name.startswith("engine-worker") for _, name in results)


def test_one_worker_runs_everything_inline() -> None:
    workers = Workers(1)
    names = workers.map(lambda _: threading.current_thread().name, range(3))
    assert set(names) == {threading.current_thread().name}
