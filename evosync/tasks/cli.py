"""`flask worker`: a task-queue consumer; any number of them on any hosts share the queue."""

from __future__ import annotations

import click
from flask import Blueprint
from huey.consumer import Consumer

from evosync.tasks.queue import huey

bp = Blueprint("tasks_cli", __name__, cli_group=None)


@bp.cli.command("worker")
@click.option(
    "--threads", "-t", default=4, show_default=True, type=click.IntRange(1, 64), help="Worker threads."
)
def worker(threads: int) -> None:
    """Run a task-queue consumer until SIGTERM / SIGINT (finishes running tasks first on SIGINT)."""
    consumer = Consumer(huey, workers=threads, worker_type="thread", periodic=True, check_worker_health=True)
    click.echo(f"EvoSync worker: {threads} thread(s) on queue {huey.name!r}", err=True)
    consumer.run()
