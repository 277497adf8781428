"""One-time links sent by mail: email confirmation (24 h) and password reset (1 h). Flush only."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update

from evosync.auth.models import User
from evosync.auth.models_security import AccountToken
from evosync.db import as_utc, utcnow
from evosync.extensions import db

LIFETIMES = {"confirm": timedelta(hours=24), "reset": timedelta(hours=1)}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(user: User, purpose: str) -> str:
    """A new token for ``user``; the raw value goes into the mail, only its hash is stored."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=_digest(token),
            created_at=now,
            expires_at=now + LIFETIMES[purpose],
        )
    )
    db.session.flush()
    return token


def peek(token: str, purpose: str) -> AccountToken | None:
    """The live (unused, unexpired) token row, or None; does not use it up."""
    if not token or len(token) > 200:
        return None
    row = db.session.scalar(
        select(AccountToken).where(AccountToken.token_hash == _digest(token), AccountToken.purpose == purpose)
    )
    if row is None or row.used_at is not None or as_utc(row.expires_at) <= utcnow():
        return None
    return row


def consume(token: str, purpose: str) -> User | None:
    """Use the token up and return its user, or None when it is unknown, used or expired.

    The UPDATE … WHERE used_at IS NULL makes two concurrent uses of one link end with one winner. Every other
    live token of the same purpose is spent too: an older reset link dies with the password it was for.
    """
    row = peek(token, purpose)
    if row is None:
        return None
    now = utcnow()
    won = db.session.execute(
        update(AccountToken)
        .where(AccountToken.id == row.id, AccountToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        return None
    db.session.execute(
        update(AccountToken)
        .where(
            AccountToken.user_id == row.user_id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return db.session.get(User, row.user_id)
