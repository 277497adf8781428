"""Account security rows: one-time mail tokens, the security log, login throttle counters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from evosync.db import utcnow
from evosync.extensions import db

TOKEN_PURPOSES = ("confirm", "reset")


class AccountToken(db.Model):
    """A link sent by mail (email confirmation or password reset); only its SHA-256 is stored."""

    __tablename__ = "account_tokens"
    __table_args__ = (CheckConstraint("purpose IN ('confirm', 'reset')", name="purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user = relationship("User")


class SecurityEvent(db.Model):
    """One line of an account's security log (shown on /account and to operators)."""

    __tablename__ = "security_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(String(255), default="")
    client: Mapped[str] = mapped_column(String(64), default="")
    # The operator who acted, for admin actions; None when the owner (or the system) did it.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class LoginThrottle(db.Model):
    """Failed-login counter for one key: an account, or an account seen from one client.

    Kept in the database so every worker and host shares it (see docs/accounts.md, «Login throttling»).
    """

    __tablename__ = "login_throttles"

    # SHA-256 of "account:<email>" or "pair:<email>|<client>": no email or address is stored in clear.
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime] = mapped_column(default=utcnow)
    blocked_until: Mapped[datetime | None]
