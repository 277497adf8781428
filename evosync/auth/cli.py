"""`flask users …` commands."""

from __future__ import annotations

import secrets
import sys

import click
from flask import Blueprint

from evosync.auth import service
from evosync.auth.models import User
from evosync.extensions import db

bp = Blueprint("users_cli", __name__, cli_group="users")


def user_or_exit(user_ref: str) -> User:
    """The user a ``--user ID|EMAIL`` option names; else «error: no user …» on stderr and exit status 1."""
    user = service.find_user(user_ref)
    if user is None:
        click.echo(f"error: no user {user_ref!r}", err=True)
        sys.exit(1)
    return user


@bp.cli.command("create")
@click.argument("email")
@click.option("--password", help="Password; prompted for on a terminal, generated and printed otherwise.")
def create(email: str, password: str | None) -> None:
    """Create a user account."""
    generated = False
    if password is None:
        if sys.stdin.isatty():
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        else:
            password, generated = secrets.token_urlsafe(12), True
    try:
        user = service.create_user(email, password)
        db.session.commit()
    except service.AccountError as exc:
        db.session.rollback()
        click.echo(f"error: {exc.english}", err=True)
        sys.exit(1)
    click.echo(f"created user {user.id} <{user.email}>")
    if generated:
        click.echo(f"generated password: {password}")
