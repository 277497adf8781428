"""Server-side login sessions: the cookie holds an opaque token naming one row."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from evosync.auth.models import LoginSession, User
from evosync.db import as_utc, utcnow
from evosync.extensions import db

# Writing last_seen on every request would turn every page view into a write; a minute is precise enough
# for a 30-minute idle timeout.
_TOUCH_EVERY = timedelta(seconds=60)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User, user_agent: str = "") -> str:
    """Create a session row for ``user`` and return its token (set on ``user.session_token`` too)."""
    token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(token_hash=_digest(token), user_id=user.id, user_agent=user_agent[:255]))
    db.session.flush()
    user.session_token = token
    return token


def load_session_user(
    token: str, idle: timedelta, max_age: timedelta, now: datetime | None = None, touch: bool = True
) -> User | None:
    """Return the user of a live session, or None (expired sessions are deleted); ``touch`` counts as activity."""
    if not token or len(token) > 200:
        return None
    now = now or utcnow()
    # The user comes in the same query (every page loads both).
    stmt = select(LoginSession).options(joinedload(LoginSession.user))
    row = db.session.scalar(stmt.where(LoginSession.token_hash == _digest(token)))
    if row is None:
        return None
    last_seen, created = as_utc(row.last_seen_at), as_utc(row.created_at)
    if now - last_seen > idle or now - created > max_age:
        db.session.delete(row)
        db.session.commit()
        return None
    if touch and now - last_seen > _TOUCH_EVERY:
        row.last_seen_at = now
        db.session.commit()
    user = row.user
    if not user.is_active:  # suspended by an operator (who also ended the sessions; this covers a race)
        return None
    user.session_token = token
    return user


def end_session(token: str | None) -> None:
    """Delete the session row named by ``token``; its cookie is worthless afterwards."""
    if token:
        db.session.execute(delete(LoginSession).where(LoginSession.token_hash == _digest(token)))


def end_all_sessions(user: User, keep_token: str | None = None) -> None:
    """Delete every session of ``user`` except, optionally, the current one."""
    stmt = delete(LoginSession).where(LoginSession.user_id == user.id)
    if keep_token:
        stmt = stmt.where(LoginSession.token_hash != _digest(keep_token))
    db.session.execute(stmt)
