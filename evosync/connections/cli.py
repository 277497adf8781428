"""`flask connections check` and `flask tokens rotate`."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor

import click
from flask import Blueprint, current_app
from sqlalchemy import select

from evosync.auth.cli import user_or_exit
from evosync.connections.health import check_connection
from evosync.connections.models import Connection
from evosync.connections.service import rotate_token_keys
from evosync.connections.vault import VaultError
from evosync.extensions import db

connections_cli = Blueprint("connections_cli", __name__, cli_group="connections")
tokens_cli = Blueprint("tokens_cli", __name__, cli_group="tokens")

# Bounded: a cron tick must not open hundreds of sockets at once, and each check has its own timeouts.
CHECK_WORKERS = 4


def _check_one(app, connection_id: int) -> tuple[str, bool]:
    """Check one connection in its own app context and session; returns (summary line, carried out)."""
    with app.app_context():
        connection = db.session.get(Connection, connection_id)
        if connection is None:
            return f"connection {connection_id}: gone", True
        label = f"user {connection.user_id} {connection.provider}"
        try:
            verdict = check_connection(connection)
            line = f"{label}: {connection.status}" + (f" ({verdict.code})" if verdict.status != "ok" else "")
            db.session.commit()
        except Exception as exc:  # one user's failure never stops the others
            db.session.rollback()
            return f"{label}: check failed ({type(exc).__name__})", False
        finally:
            db.session.remove()
        return line, True


@connections_cli.cli.command("check")
@click.option("--user", "user_ref", help="Only this user (id or email).")
def check(user_ref: str | None) -> None:
    """Check every connection (or one user's) and store the verdicts."""
    query = select(Connection.id).order_by(Connection.user_id, Connection.provider)
    if user_ref:
        user = user_or_exit(user_ref)
        query = query.where(Connection.user_id == user.id)
    ids = list(db.session.scalars(query))
    db.session.remove()
    app = current_app._get_current_object()
    failures = 0
    with ThreadPoolExecutor(max_workers=CHECK_WORKERS) as pool:
        results = pool.map(lambda cid: _check_one(app, cid), ids)
        with click.progressbar(results, length=len(ids), label="checking", file=sys.stderr) as bar:
            for line, carried_out in bar:
                click.echo(line)
                failures += not carried_out
    click.echo(f"checked {len(ids)} connection(s), {failures} could not be checked")
    sys.exit(1 if failures else 0)


@tokens_cli.cli.command("rotate")
def rotate() -> None:
    """Re-encrypt every stored token with the first key of TOKEN_KEYS (safe to interrupt and rerun)."""
    try:
        examined, rotated = rotate_token_keys()
    except VaultError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"examined {examined} connection(s), re-encrypted {rotated}")
