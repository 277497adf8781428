"""Login throttling that cannot be turned against the owner (see docs/accounts.md, «Login throttling»).

Two counters per failed login, both in the database so every worker and host sees them:

- *pair* (account + client): a few free failures, then a delay that doubles with each failure, up to
  LOGIN_THROTTLE_MAX_SECONDS. Only that client waits; the owner's browser elsewhere is not affected.
- *account* (all clients): past LOGIN_THROTTLE_FREE_PER_ACCOUNT failures a small growing delay, capped at
  LOGIN_THROTTLE_ACCOUNT_MAX_SECONDS, that applies only to clients which have failed on this account too.
  A client with no failures is always let through to the password check: never a lock-out.

Counters are forgotten after LOGIN_THROTTLE_WINDOW_MINUTES without failures. Attempts refused by the throttle
do not check the password and do not count. Callers commit.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from evosync.auth.models_security import LoginThrottle
from evosync.db import as_utc, utcnow
from evosync.extensions import db


def _key(kind: str, email: str, client: str = "") -> str:
    raw = f"{kind}:{email}" + (f"|{client}" if kind == "pair" else "")
    return hashlib.sha256(raw.encode()).hexdigest()


def _live(key: str, now: datetime) -> LoginThrottle | None:
    row = db.session.get(LoginThrottle, key, populate_existing=True)
    window = timedelta(minutes=current_app.config["LOGIN_THROTTLE_WINDOW_MINUTES"])
    if row is None or now - as_utc(row.last_failure_at) > window:
        return None
    return row


def retry_at(email: str, client: str, now: datetime | None = None) -> datetime | None:
    """When this client may try this account again, or None when it may try now."""
    now = now or utcnow()
    pair = _live(_key("pair", email, client), now)
    if pair is None:
        return None  # a client that has not been failing always reaches the password check
    waits = [as_utc(pair.blocked_until)] if pair.blocked_until else []
    account = _live(_key("account", email), now)
    if account is not None and account.blocked_until:
        waits.append(as_utc(account.blocked_until))
    latest = max(waits, default=None)
    return latest if latest and latest > now else None


def _delay(failures: int, free: int, cap: int) -> timedelta:
    if failures <= free:
        return timedelta(0)
    return timedelta(seconds=min(cap, 2 ** min(failures - free, 20)))


def _bump(key: str, now: datetime, free: int, cap: int) -> int:
    """Count one failure on ``key`` atomically and set its delay; returns the failure count."""
    window = timedelta(minutes=current_app.config["LOGIN_THROTTLE_WINDOW_MINUTES"])
    db.session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == key, LoginThrottle.last_failure_at < now - window)
        .values(failures=0)
        .execution_options(synchronize_session=False)
    )
    done = db.session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == key)
        .values(failures=LoginThrottle.failures + 1, last_failure_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not done:
        try:
            with db.session.begin_nested():
                db.session.add(LoginThrottle(key=key, failures=1, last_failure_at=now))
        except IntegrityError:  # another worker counted this key's first failure at the same moment
            return _bump(key, now, free, cap)
    failures = db.session.scalar(select(LoginThrottle.failures).where(LoginThrottle.key == key))
    delay = _delay(failures, free, cap)
    db.session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == key)
        .values(blocked_until=now + delay if delay else None)
        .execution_options(synchronize_session=False)
    )
    return failures


def record_failure(email: str, client: str, now: datetime | None = None) -> None:
    """Count a wrong password for this account from this client (flush only)."""
    now = now or utcnow()
    config = current_app.config
    _bump(
        _key("pair", email, client),
        now,
        config["LOGIN_THROTTLE_FREE_PER_CLIENT"],
        config["LOGIN_THROTTLE_MAX_SECONDS"],
    )
    _bump(
        _key("account", email),
        now,
        config["LOGIN_THROTTLE_FREE_PER_ACCOUNT"],
        config["LOGIN_THROTTLE_ACCOUNT_MAX_SECONDS"],
    )


def record_success(email: str, client: str) -> None:
    """Forget this client's failures on this account (the account-wide counter keeps counting an attack)."""
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key == _key("pair", email, client)))


def clear_account(email: str) -> None:
    """Forget every account-wide failure (after a password reset the old guesses are moot)."""
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key == _key("account", email)))
