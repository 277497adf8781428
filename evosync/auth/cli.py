"""`flask users …` commands."""

from __future__ import annotations

import secrets
import sys

import click
from flask import Blueprint

from evosync.admin import service as admin_service
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
@click.option("--admin", is_flag=True, help="Make the user an operator (sees /admin).")
def create(email: str, password: str | None, admin: bool) -> None:
    """Create a user account (its email counts as confirmed)."""
    generated = False
    if password is None:
        if sys.stdin.isatty():
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        else:
            password, generated = secrets.token_urlsafe(12), True
    try:
        user = service.create_user(email, password, is_admin=admin)
        db.session.commit()
    except service.AccountError as exc:
        db.session.rollback()
        click.echo(f"error: {exc.english}", err=True)
        sys.exit(1)
    click.echo(f"created {'operator' if admin else 'user'} {user.id} <{user.email}>")
    if generated:
        click.echo(f"generated password: {password}")


@bp.cli.command("set-admin")
@click.argument("email")
@click.option("--off", is_flag=True, help="Take the operator's rights away instead.")
def set_admin(email: str, off: bool) -> None:
    """Grant (or with --off take away) the operator's rights; written to the user's security log."""
    user = service.find_by_email(email)
    if user is None:
        click.echo(f"error: no user {email}", err=True)
        sys.exit(1)
    admin_service.set_admin(user, not off)
    db.session.commit()
    click.echo(f"user {user.id} <{user.email}> is {'no longer an' if off else 'now an'} operator")
