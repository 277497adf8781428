"""`flask catalog refresh [--user X]`: refresh cached catalogs from Evotor, one user at a time."""

from __future__ import annotations

import sys

import click
from flask import Blueprint
from sqlalchemy import select

from evosync.auth.cli import user_or_exit
from evosync.auth.models import User
from evosync.catalog.refresh import RefreshResult, refresh_catalog
from evosync.catalog.service import REFRESH_KIND
from evosync.connections.clients import evotor_client_for
from evosync.connections.errors import ConnectionProblem
from evosync.connections.models import Connection
from evosync.extensions import db
from evosync.jobs.models import SUCCEEDED
from evosync.jobs.service import JobBusy, Progress, run_job

bp = Blueprint("catalog_cli", __name__, cli_group="catalog")


def _users(user_ref: str | None) -> list[User]:
    if user_ref is not None:
        user = user_or_exit(user_ref)
        return [user]
    return list(
        db.session.scalars(
            select(User)
            .join(Connection, Connection.user_id == User.id)
            .where(Connection.provider == "evotor")
        )
    )


def refresh_user(user: User, bar: click.progressbar | None = None) -> tuple[str, bool]:
    """Refresh one user's catalog under the job lease; return (summary line, failed?)."""
    found: list[RefreshResult] = []
    done = [0]

    def run(progress: Progress) -> str:
        client = evotor_client_for(user.id)

        def checkpoint(text: str, percent: int | None) -> None:
            db.session.commit()  # this command is the edge: it commits after every chunk
            progress(text, percent)
            if bar is not None and percent is not None and percent > done[0]:
                bar.update(percent - done[0])
                done[0] = percent

        found.append(refresh_catalog(user.id, client, checkpoint))
        return found[0].summary_ru()

    label = f"user {user.id} <{user.email}>"
    try:
        job = run_job(REFRESH_KIND, user.id, run)
    except JobBusy:
        return f"{label}: skipped, a refresh is already running", False
    if job.status == SUCCEEDED and found:
        r = found[0]
        line = f"{label}: ok, {r.stores} stores, {r.groups} groups, {r.products} products"
        return line + f" ({r.removed_products} removed)", False
    return f"{label}: failed: {job.message}", True


@bp.cli.command("refresh")
@click.option("--user", "user_ref", help="User id or email; default: every user with Evotor connected.")
def refresh(user_ref: str | None) -> None:
    """Refresh cached Evotor catalogs; exit 1 if any user's refresh failed."""
    failures = 0
    tty = sys.stdout.isatty()
    for user in _users(user_ref):
        try:
            evotor_client_for(user.id)
        except ConnectionProblem as exc:
            click.echo(f"user {user.id} <{user.email}>: skipped: {exc.message_ru}")
            continue
        if tty:
            with click.progressbar(length=100, label=user.email) as bar:
                line, failed = refresh_user(user, bar)
        else:
            line, failed = refresh_user(user)
        failures += failed
        click.echo(line)
    sys.exit(1 if failures else 0)
