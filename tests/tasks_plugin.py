"""Pytest plugin: the task queue (in the test database) and real in-process consumers.

Fixtures: ``queue`` (the bound Huey instance, emptied), ``consumer`` (``consumer(workers=N)`` starts an
in-process consumer of N threads, stopped gracefully after the test). ``wait_for(predicate)`` polls.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from evosync.tasks.queue import huey


@pytest.fixture
def queue(app):
    """The bound Huey instance on an empty queue; its engine is disposed after the test."""
    huey.storage.flush_all()
    yield huey
    huey.storage.close()


@pytest.fixture
def consumer(queue):
    """consumer(workers=N) → a running in-process consumer (threads); stopped gracefully after."""
    started = []

    def _start(workers: int = 2, periodic: bool = False):
        c = queue.create_consumer(workers=workers, worker_type="thread", periodic=periodic, max_delay=0.2)
        c.start()
        started.append(c)
        return c

    yield _start
    for c in started:
        c.stop(graceful=True)


def wait_for(predicate: Callable[[], object], timeout: float = 30, step: float = 0.05) -> object:
    """Poll ``predicate`` until truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout}s waiting for {predicate}")


def concurrent_ticks(app, n: int) -> list[dict]:
    """Run the schedule's tick in ``n`` threads released at once; what each tick queued."""
    from evosync.extensions import db
    from evosync.tasks.schedule import tick

    results: list[dict] = []
    barrier = threading.Barrier(n)

    def one() -> None:
        with app.app_context():
            barrier.wait()
            results.append(tick())
            db.session.remove()

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results
