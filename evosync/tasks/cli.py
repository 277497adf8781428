"""`flask worker`: a task-queue consumer; any number of them on any hosts share the queue."""

from __future__ import annotations

import logging
import sys

import click
from flask import Blueprint, Flask, current_app

from evosync.tasks import schedule  # noqa: F401 - registers the tasks and the schedule
from evosync.tasks.queue import huey
from evosync.tasks.workers import BeatingConsumer

# A worker polls an empty queue with backoff up to this many seconds: a queued task starts within it.
MAX_POLL_DELAY = 1.0
# How often (seconds) a worker thread busy in Python hands the interpreter lock over; CPython's default is
# 5 ms. A worker's threads mostly wait on the network: a thread whose answer has arrived (the refresh's
# page prefetch, another user's sync) waited up to 5 ms per socket read while another thread hashed
# products, which made an unchanged 100,000-product refresh ~0.3 s slower (docs/tasks.md).
SWITCH_INTERVAL = 0.001

bp = Blueprint("tasks_cli", __name__, cli_group=None)


def worker_app(app: Flask, threads: int) -> Flask:
    """The command's app again, with a database pool sized for ``threads`` worker threads.

    The default pool (5 + 10 overflow) starved a worker of 32 threads: runs waited 30 s for a connection
    and failed with QueuePool's TimeoutError. A thread may hold its session's connection and, on
    PostgreSQL, the VK limiter's at once; the scheduler and the heartbeat need one each.
    """
    from evosync import create_app  # cycle: evosync/__init__.py registers this blueprint

    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options.update(pool_size=threads + 2, max_overflow=threads + 2)
    return create_app({"SQLALCHEMY_ENGINE_OPTIONS": options})


@bp.cli.command("worker")
@click.option(
    "--threads", "-t", default=4, show_default=True, type=click.IntRange(1, 64), help="Worker threads."
)
@click.option(
    "--schedule/--no-schedule",
    "with_schedule",
    default=True,
    show_default=True,
    help="Run the every-minute schedule that queues due work (off: only cron's `flask sync run` queues syncs).",
)
def worker(threads: int, with_schedule: bool) -> None:
    """Run a task-queue consumer until SIGTERM / SIGINT (finishes running tasks first on SIGINT)."""
    # Workers log to stderr (journald under systemd): task starts, failures with their tracebacks.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    sys.setswitchinterval(SWITCH_INTERVAL)
    app = worker_app(current_app._get_current_object(), threads)  # also binds the queue to it
    consumer = BeatingConsumer(
        huey, app, workers=threads, worker_type="thread", periodic=with_schedule, max_delay=MAX_POLL_DELAY
    )
    click.echo(f"EvoSync worker: {threads} thread(s) on queue {huey.name!r}", err=True)
    consumer.run()
