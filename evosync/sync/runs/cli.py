"""`flask sync run [--user X] [--dry-run]`: sync one or every ready user, one summary line per user.

The users run in parallel: through the task queue when workers are running (the command waits for their
outcomes), else in ``SYNC_CLI_THREADS`` threads of its own; each user's VK calls stay within ``VK_RPS``.
Lines come in user order. Exit status is non-zero only if some user's run failed (a partial run, a skipped
user or a user busy in another process is not a failure). Safe to start twice at once: the per-user lease
keeps two runs of one user apart. See docs/tasks.md.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import click
from flask import Blueprint, current_app

from evosync.auth.cli import user_or_exit
from evosync.auth.models import User
from evosync.catalog.decisions import load_snapshot
from evosync.extensions import db
from evosync.sync.config.problems import BRIEF
from evosync.sync.config.service import is_configured
from evosync.sync.engine import source
from evosync.sync.engine.outcomes import Outcome
from evosync.sync.engine.runner import ready_user_ids, run_user
from evosync.tasks.sync import queue_cli_sync, wait_outcome
from evosync.tasks.workers import live_workers

bp = Blueprint("sync_run_cli", __name__, cli_group="sync")


def _dry_run_line(user_id: int) -> str:
    if not is_configured(load_snapshot(user_id)):
        # As /sync says: with no rules the filters would pass everything, but nothing runs.
        return f"план: {BRIEF['not_configured']}"
    plan = source.preview(user_id)
    if plan is None:
        return "план: не выбрано сообщество ВКонтакте"
    c = plan.counts()
    return (
        f"план: создать {c['create']}, обновить {c['update']}, скрыть {c['hide']}, удалить {c['delete']}, "
        f"без изменений {c['unchanged']}, пропустить {c['skip']}, новых подборок {c['albums']}, "
        f"записей VK {plan.write_calls}"
    )


@bp.cli.command("run")
@click.option("--user", "user_ref", help="User id or email (default: every ready user).")
@click.option("--dry-run", is_flag=True, help="Compute the plan only: no VK calls, no writes.")
def run_command(user_ref: str | None, dry_run: bool) -> None:
    """Sync Evotor → VK Market for one user or every ready user."""
    if user_ref is not None:
        user = user_or_exit(user_ref)
        user_ids = [user.id]
    else:
        user_ids = ready_user_ids()
    emails = {uid: _email(uid) for uid in user_ids}
    db.session.rollback()
    lines = _dry_run_lines(user_ids) if dry_run else _outcome_lines(user_ids)
    failed = False
    # The bar goes to stderr like the other commands' (click draws it only when that is a terminal), so
    # stdout carries nothing but the summary lines.
    with click.progressbar(length=len(user_ids), label="sync", file=sys.stderr) as bar:
        for user_id, line, user_failed in lines:
            failed = failed or user_failed
            click.echo(f"user {user_id} <{emails[user_id]}>: {line}")
            bar.update(1)
    sys.exit(1 if failed else 0)


Line = tuple[int, str, bool]


def _dry_run_lines(user_ids: list[int]) -> Iterator[Line]:
    for user_id in user_ids:
        line = _dry_run_line(user_id)
        db.session.rollback()
        yield user_id, line, False


def _outcome_lines(user_ids: list[int]) -> Iterator[Line]:
    """Every user's run, in parallel (the queue's workers, else threads here); yielded in user order."""
    if not user_ids:
        return
    waits = _through_queue(user_ids) if live_workers() > 0 else _in_threads(user_ids)
    for user_id, wait in zip(user_ids, waits, strict=True):
        outcome = wait()
        yield user_id, outcome.line, outcome.failed


def _through_queue(user_ids: list[int]) -> list[Callable[[], Outcome]]:
    reply = uuid.uuid4().hex
    for user_id in user_ids:
        queue_cli_sync(user_id, reply)
    timeout = float(current_app.config.get("SYNC_CLI_TIMEOUT", 6 * 3600))

    def served() -> bool:
        db.session.rollback()
        return live_workers() > 0

    return [lambda uid=uid: wait_outcome(uid, reply, served, timeout) for uid in user_ids]


def _in_threads(user_ids: list[int]) -> list[Callable[[], Outcome]]:
    app = current_app._get_current_object()
    threads = max(1, int(app.config.get("SYNC_CLI_THREADS", 8)))

    def one(user_id: int) -> Outcome:
        with app.app_context():
            try:
                return _run_isolated(user_id)
            finally:
                db.session.remove()

    pool = ThreadPoolExecutor(max_workers=min(threads, len(user_ids)), thread_name_prefix="sync-run")
    futures = [pool.submit(one, user_id) for user_id in user_ids]
    pool.shutdown(wait=False)  # the futures still complete; the command waits on each in turn
    return [future.result for future in futures]


def _email(user_id: int) -> str:
    user = db.session.get(User, user_id)
    return user.email if user else "?"


def _run_isolated(user_id: int) -> Outcome:
    """One user's run; an unexpected crash is reported for that user and the command goes on."""
    try:
        return run_user(user_id, "cron")
    except Exception as exc:
        db.session.rollback()
        return Outcome(user_id, "failed", None, f"ошибка: {type(exc).__name__}")
