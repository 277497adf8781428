"""Operator actions on users; each is written to the user's security log with the operator as actor. Flush only."""

from __future__ import annotations

from evosync.auth import account_mail
from evosync.auth.models import User
from evosync.auth.security_log import log_event
from evosync.auth.sessions import end_all_sessions
from evosync.db import utcnow
from evosync.extensions import db


def suspend(user: User, operator: User) -> None:
    """Suspend ``user``: every session ends, logging in is refused and the sync skips them."""
    user.suspended_at = utcnow()
    end_all_sessions(user)
    log_event(user.id, "admin_suspended", detail=operator.email, actor_id=operator.id)
    db.session.flush()


def resume(user: User, operator: User) -> None:
    """Lift a suspension."""
    user.suspended_at = None
    log_event(user.id, "admin_resumed", detail=operator.email, actor_id=operator.id)
    db.session.flush()


def resend_confirmation(user: User, operator: User) -> None:
    """Mail ``user`` a fresh confirmation link."""
    account_mail.send_confirmation(user)
    log_event(user.id, "admin_confirmation_sent", detail=operator.email, actor_id=operator.id)


def set_admin(user: User, on: bool, operator: User | None = None) -> None:
    """Grant or take away the operator's rights (from the CLI, ``operator`` is None)."""
    user.is_admin = on
    log_event(
        user.id,
        "admin_granted" if on else "admin_revoked",
        detail=operator.email if operator else "командная строка",
        actor_id=operator.id if operator else None,
    )
    db.session.flush()
