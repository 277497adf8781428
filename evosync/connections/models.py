"""A user's connection to a provider (Evotor or VK): encrypted tokens, account details, health."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from evosync.db import utcnow
from evosync.extensions import db

PROVIDERS = ("evotor", "vk")
# unknown: never checked; checking: a check is running; ok / warning / error: the last check's verdict.
STATUSES = ("unknown", "checking", "ok", "warning", "error")


class Connection(db.Model):
    """One provider account of one user. Tokens are Fernet-encrypted (see vault.py)."""

    __tablename__ = "connections"
    __table_args__ = (
        UniqueConstraint("user_id", "provider", name="uq_connections_user_id_provider"),
        CheckConstraint("provider IN ('evotor', 'vk')", name="provider"),
        CheckConstraint("status IN ('unknown', 'checking', 'ok', 'warning', 'error')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(16))
    auth_method: Mapped[str] = mapped_column(String(16), default="oauth")

    access_token_enc: Mapped[str] = mapped_column(Text)
    refresh_token_enc: Mapped[str | None] = mapped_column(Text)
    token_expires_at: Mapped[datetime | None]
    device_id: Mapped[str | None] = mapped_column(String(255))
    scope: Mapped[str] = mapped_column(String(255), default="")
    # Bumped on every token change; lets a waiting caller see that someone else refreshed.
    token_version: Mapped[int] = mapped_column(default=0)
    # A refresh in progress (its holder calls the provider with no database lock held) until this time.
    refresh_claimed_until: Mapped[datetime | None]

    account_id: Mapped[str | None] = mapped_column(String(64))
    account_name: Mapped[str | None] = mapped_column(String(255))
    screen_name: Mapped[str | None] = mapped_column(String(255))
    avatar_url: Mapped[str | None] = mapped_column(String(1000))

    vk_group_id: Mapped[int | None] = mapped_column(BigInteger)
    vk_group_name: Mapped[str | None] = mapped_column(String(255))
    vk_group_screen_name: Mapped[str | None] = mapped_column(String(255))
    vk_market_enabled: Mapped[bool | None]

    status: Mapped[str] = mapped_column(String(16), default="unknown")
    reason_code: Mapped[str | None] = mapped_column(String(64))
    message: Mapped[str | None] = mapped_column(String(500))
    last_check_at: Mapped[datetime | None]
    last_ok_at: Mapped[datetime | None]
    consecutive_failures: Mapped[int] = mapped_column(default=0)

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def works(self) -> bool:
        """True when the last check passed (a warning still lets the sync try)."""
        return self.status in ("ok", "warning")

    def __repr__(self) -> str:
        return f"<Connection {self.provider} user={self.user_id} {self.status}>"


class OAuthState(db.Model):
    """Server-side half of an OAuth flow in progress (Authlib's cache): PKCE verifier, redirect URI.

    The value is Fernet-encrypted; the browser's session only holds a marker naming the state, so a
    verifier never travels in a cookie and a state cannot be used from another browser.
    """

    __tablename__ = "oauth_states"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value_enc: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(index=True)
