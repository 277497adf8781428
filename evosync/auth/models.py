"""User accounts and their server-side login sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from evosync.db import utcnow
from evosync.extensions import db


class User(db.Model):
    """A merchant account; everything else in the database hangs off a user."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # None until the owner clicks the link in the confirmation mail; unconfirmed accounts cannot sync.
    email_confirmed_at: Mapped[datetime | None]
    is_admin: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Set by an operator: a suspended user cannot log in and is not synced.
    suspended_at: Mapped[datetime | None]

    login_sessions: Mapped[list[LoginSession]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    # Set by the session loader: Flask-Login stores get_id() in the cookie, and for us that is the
    # opaque token of one server-side session row, so logging out can make the cookie worthless.
    session_token = None  # str | None; not a column

    is_anonymous = False

    @property
    def is_active(self) -> bool:
        """Flask-Login: a suspended account cannot log in."""
        return self.suspended_at is None

    @property
    def is_confirmed(self) -> bool:
        """Whether the owner has confirmed the email address."""
        return self.email_confirmed_at is not None

    @property
    def is_authenticated(self) -> bool:
        """Flask-Login: a loaded user is always authenticated."""
        return True

    def get_id(self) -> str | None:
        """Flask-Login: the session token, never the numeric id."""
        return self.session_token

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class LoginSession(db.Model):
    """One logged-in browser. Deleting the row logs that browser out, whatever its cookie says."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the token: a database leak does not hand out live sessions.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_agent: Mapped[str] = mapped_column(String(255), default="")

    user: Mapped[User] = relationship(back_populates="login_sessions")
