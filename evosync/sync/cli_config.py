"""`flask sync-config --user <id|email>` / `--all`: a user's sync configuration as JSON (SPEC §7)."""

from __future__ import annotations

import sys

import click
from flask import Blueprint
from sqlalchemy import select

from evosync.auth.models import User
from evosync.auth.service import find_user
from evosync.extensions import db
from evosync.sync.config_json import config_object, dumps
from evosync.sync.config_service import is_ready

bp = Blueprint("sync_config_cli", __name__, cli_group=None)
MAX_ID = 2**31 - 1


def _find(ref: str) -> User | None:
    ref = ref.strip()
    if ref.isascii() and ref.isdigit() and int(ref) > MAX_ID:
        return None  # PostgreSQL would reject the out-of-range integer instead of finding nobody
    return find_user(ref)


@bp.cli.command("sync-config")
@click.option("--user", "user_ref", metavar="ID|EMAIL", help="Print this user's configuration.")
@click.option("--all", "all_users", is_flag=True, help="Print a JSON array of every ready configuration.")
def sync_config(user_ref: str | None, all_users: bool) -> None:
    """Print sync configuration JSON for cron scripts (one object, or an array of the ready ones)."""
    if (user_ref is None) == (not all_users):
        raise click.UsageError("give exactly one of --user ID|EMAIL or --all")
    if user_ref is not None:
        user = _find(user_ref)
        if user is None:
            click.echo(f"error: no user {user_ref!r}", err=True)
            sys.exit(1)
        click.echo(dumps(config_object(user)))
        return
    users = db.session.scalars(select(User).order_by(User.id))
    click.echo(dumps([config_object(u) for u in users if is_ready(u.id)]))
