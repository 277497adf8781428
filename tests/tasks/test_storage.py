"""The SQL storage behind the queue: Huey's contract, concurrent dequeues, and real consumers on it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from huey.constants import EmptyData

from evosync.tasks.queue import huey, task
from evosync.tasks.storage import SqlStorage
from tests.tasks_plugin import wait_for

ran: list[int] = []
ran_lock = threading.Lock()


@task()
def record(n: int) -> None:
    with ran_lock:
        ran.append(n)


@pytest.fixture
def app_config(app_config):
    """The queue in the app database (EvoSync's SQL storage) on both backends."""
    return {**app_config, "TASKS_URL": "database"}


def test_the_app_database_queue_uses_the_sql_storage(queue, backend):
    assert isinstance(queue.storage, SqlStorage)
    assert queue.storage.engine.dialect.name == backend


def test_queue_order_priority_schedule_and_kv(queue):
    s = queue.storage
    s.enqueue(b"low")
    s.enqueue(b"high", priority=10)
    s.enqueue(b"low2")
    assert s.queue_size() == 3
    assert s.enqueued_items() == [b"high", b"low", b"low2"]
    assert [s.dequeue(), s.dequeue(), s.dequeue(), s.dequeue()] == [b"high", b"low", b"low2", None]
    now = datetime.now(UTC).replace(tzinfo=None)
    s.add_to_schedule(b"later", now + timedelta(hours=1))
    s.add_to_schedule(b"due", now - timedelta(seconds=1))
    assert s.read_schedule(now) == [b"due"]
    assert s.scheduled_items() == [b"later"]
    assert s.put_if_empty("lock", b"1") is True
    assert s.put_if_empty("lock", b"2") is False
    s.put_data("result", b"x")
    s.put_data("result", b"y")
    assert s.peek_data("result") == b"y"
    assert s.pop_data("result") == b"y"
    assert s.pop_data("result") is EmptyData
    assert [s.incr("c"), s.incr("c", 5)] == [1, 6]


def test_concurrent_dequeues_hand_out_every_task_exactly_once(queue):
    s = queue.storage
    for i in range(300):
        s.enqueue(str(i).encode())
    taken: list[bytes] = []
    lock = threading.Lock()

    def drain() -> None:
        while (data := s.dequeue()) is not None:
            with lock:
                taken.append(data)

    threads = [threading.Thread(target=drain) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(taken) == sorted(str(i).encode() for i in range(300))


def test_a_real_consumer_runs_every_enqueued_task_once(queue, consumer):
    ran.clear()
    for n in range(40):
        record(n)
    assert queue.pending_count() == 40
    consumer(workers=4)
    wait_for(lambda: len(ran) >= 40)
    wait_for(lambda: queue.pending_count() == 0)
    assert sorted(ran) == list(range(40))


def test_a_delayed_task_runs_after_its_delay(queue, consumer):
    ran.clear()
    record.schedule((99,), delay=1)
    consumer(workers=1)
    assert ran == []
    wait_for(lambda: ran == [99], timeout=10)
    assert huey.scheduled_count() == 0
