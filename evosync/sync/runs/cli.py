"""`flask sync run [--user X] [--dry-run]`: sync one or every ready user, one summary line per user.

Exit status is non-zero only if some user's run failed (a partial run, a skipped user or a user busy in
another process is not a failure). Safe to start twice at once: the second skips users it cannot lease.
"""

from __future__ import annotations

import sys

import click
from flask import Blueprint

from evosync.auth.cli import user_or_exit
from evosync.auth.models import User
from evosync.extensions import db
from evosync.sync.engine import source
from evosync.sync.engine.outcomes import Outcome
from evosync.sync.engine.runner import ready_user_ids, run_user

bp = Blueprint("sync_run_cli", __name__, cli_group="sync")


def _dry_run_line(user_id: int) -> str:
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
    failed = False
    # The bar goes to stderr like the other commands' (click draws it only when that is a terminal), so
    # stdout carries nothing but the summary lines.
    with click.progressbar(length=len(user_ids), label="sync", file=sys.stderr) as bar:
        for user_id in user_ids:
            if dry_run:
                line = _dry_run_line(user_id)
                db.session.rollback()
            else:
                outcome = _run_isolated(user_id)
                failed = failed or outcome.failed
                line = outcome.line
            click.echo(f"user {user_id} <{emails[user_id]}>: {line}")
            bar.update(1)
    sys.exit(1 if failed else 0)


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
