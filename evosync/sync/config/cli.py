"""`flask sync-config --user <id|email>` / `--all`: a user's sync configuration as JSON (docs/sync-config.md)."""

from __future__ import annotations

import click
from flask import Blueprint
from sqlalchemy import select

from evosync.auth.cli import user_or_exit
from evosync.auth.models import User
from evosync.extensions import db
from evosync.sync.config.contract import config_object, dumps
from evosync.sync.config.service import is_ready

bp = Blueprint("sync_config_cli", __name__, cli_group=None)


@bp.cli.command("sync-config")
@click.option("--user", "user_ref", metavar="ID|EMAIL", help="Print this user's configuration.")
@click.option("--all", "all_users", is_flag=True, help="Print a JSON array of every ready configuration.")
def sync_config(user_ref: str | None, all_users: bool) -> None:
    """Print sync configuration JSON for cron scripts (one object, or an array of the ready ones)."""
    if (user_ref is None) == (not all_users):
        raise click.UsageError("give exactly one of --user ID|EMAIL or --all")
    if user_ref is not None:
        user = user_or_exit(user_ref)
        click.echo(dumps(config_object(user)))
        return
    users = db.session.scalars(select(User).order_by(User.id))
    click.echo(dumps([config_object(u) for u in users if is_ready(u.id)]))
