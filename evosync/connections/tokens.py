"""Fresh access tokens: refresh before expiry, one refresh per connection at a time across processes."""

from __future__ import annotations

import logging
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from flask import current_app
from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from evosync.connections.errors import VK_TOKEN_REVOKED_RU, ConnectionBroken
from evosync.connections.models import Connection
from evosync.connections.vault_access import vault
from evosync.db import as_utc, utcnow
from evosync.extensions import db
from evosync.notifications.triggers import connection_changed

log = logging.getLogger(__name__)

# Refresh a little before expiry so a token never dies in the middle of a sync batch.
REFRESH_MARGIN = timedelta(minutes=5)
# How long one refresh may hold its claim before another process may try (the provider call is bounded).
CLAIM_SECONDS = 30
CLAIM_POLL_SECONDS = 0.2
_locks: dict[int, threading.Lock] = {}
_locks_guard = threading.Lock()


@dataclass(frozen=True)
class TokenSet:
    """What a token endpoint answered (only the parts we keep)."""

    access_token: str
    refresh_token: str | None
    expires_at: datetime | None
    scope: str = ""
    account_id: str | None = None


def parse_token_response(data: dict, now: datetime | None = None) -> TokenSet:
    """Read a token endpoint's JSON answer."""
    now = now or utcnow()
    expires_in = data.get("expires_in")
    try:
        expires_at = now + timedelta(seconds=int(expires_in)) if expires_in else None
    except (TypeError, ValueError):
        expires_at = None
    scope = data.get("scope") or ""
    return TokenSet(
        access_token=str(data["access_token"]),
        refresh_token=data.get("refresh_token"),
        expires_at=expires_at,
        scope=" ".join(scope) if isinstance(scope, list) else str(scope),
        account_id=str(data["user_id"]) if data.get("user_id") is not None else None,
    )


def needs_refresh(connection: Connection, now: datetime | None = None) -> bool:
    """True when the access token expires within the margin and a refresh token exists."""
    expires_at = as_utc(connection.token_expires_at)
    if expires_at is None or not connection.refresh_token_enc:
        return False
    return expires_at - (now or utcnow()) <= REFRESH_MARGIN


def _lock_for(connection_id: int) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(connection_id, threading.Lock())


def access_token(connection: Connection, force_refresh: bool = False) -> str:
    """Return a usable access token for ``connection``, refreshing it first when it is about to expire.

    The refresh runs in its own short database sessions and never commits the caller's work (a sync run's
    commits are fenced by its lease). Concurrent callers — threads here, other processes — share one
    refresh: a thread lock serialises this process, a claim on the row (``refresh_claimed_until``) the
    others, and the provider is called with no database lock held. The caller's copy of the row is
    expired, so it reads the new tokens on its next access.
    """
    if not force_refresh and not needs_refresh(connection):
        return vault().decrypt(connection.access_token_enc)
    seen_version = connection.token_version
    with _lock_for(connection.id):
        try:
            return _refresh_shared(connection.id, seen_version, force_refresh)
        finally:
            db.session.expire(connection)


def _refresh_shared(connection_id: int, seen_version: int, force: bool) -> str:
    """Refresh once across processes: claim the row, call the provider, store with a version check."""
    deadline = time.monotonic() + CLAIM_SECONDS + 5
    with Session(db.engine, expire_on_commit=False) as session:
        while True:
            row = session.get(Connection, connection_id, populate_existing=True)
            session.commit()  # end the read: the next look must see other processes' commits
            if row is None:
                raise ConnectionBroken(_revoked_message("vk"))
            done_meanwhile = row.token_version != seen_version
            if (done_meanwhile or not force) and not needs_refresh(row):
                return vault().decrypt(row.access_token_enc)
            if _claim(session, row):
                return _refresh_claimed(session, row)
            if time.monotonic() > deadline:
                raise ConnectionBroken(_revoked_message(row.provider))
            time.sleep(CLAIM_POLL_SECONDS)  # another process is refreshing: wait for its result


def _claim(session: Session, row: Connection) -> bool:
    now = utcnow()
    claimed = session.execute(
        update(Connection)
        .where(
            Connection.id == row.id,
            Connection.token_version == row.token_version,
            or_(Connection.refresh_claimed_until.is_(None), Connection.refresh_claimed_until < now),
        )
        .values(refresh_claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
    )
    session.commit()
    return claimed.rowcount == 1


def _refresh_claimed(session: Session, row: Connection) -> str:
    """We hold the claim: ask the provider (no lock held), then store the result if nobody else did."""
    version = row.token_version
    try:
        tokens = _refresh_at_provider(row)
    except ConnectionBroken as exc:
        _store(session, row.id, version, status="error", reason_code=exc.code, message=exc.message_ru)
        raise
    except Exception:
        _store(session, row.id, version)
        raise
    box = vault()
    values = {
        "access_token_enc": box.encrypt(tokens.access_token),
        "token_expires_at": tokens.expires_at,
        "token_version": version + 1,
    }
    if tokens.refresh_token:
        values["refresh_token_enc"] = box.encrypt(tokens.refresh_token)
    _store(session, row.id, version, **values)
    return tokens.access_token


def _store(session: Session, connection_id: int, version: int, **values) -> None:
    """Write ``values`` and release the claim, only if the tokens are still the version we refreshed."""
    if "status" in values:
        values["last_check_at"] = utcnow()
    session.execute(
        update(Connection)
        .where(Connection.id == connection_id, Connection.token_version == version)
        .values(refresh_claimed_until=None, **values)
    )
    session.commit()


def mark_broken(connection: Connection, code: str, message: str) -> None:
    """Record that the connection's tokens no longer work (flush only)."""
    previous = connection.status
    connection.status = "error"
    connection.reason_code = code
    connection.message = message
    connection.last_check_at = utcnow()
    db.session.flush()
    connection_changed(connection, previous)


def _refresh_at_provider(connection: Connection) -> TokenSet:
    config = current_app.config
    refresh_token = vault().decrypt(connection.refresh_token_enc) if connection.refresh_token_enc else None
    if not refresh_token:
        raise ConnectionBroken(_revoked_message(connection.provider))
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    auth = None
    if connection.provider == "vk":
        url = config["VK_TOKEN_URL"]
        form.update(client_id=config.get("VK_CLIENT_ID") or "", device_id=connection.device_id or "")
        form["state"] = secrets.token_urlsafe(16)
        if config.get("VK_CLIENT_SECRET"):
            form["client_secret"] = config["VK_CLIENT_SECRET"]
    else:
        url = config["EVOTOR_TOKEN_URL"]
        auth = (config.get("EVOTOR_CLIENT_ID") or "", config.get("EVOTOR_CLIENT_SECRET") or "")
    try:
        response = requests.post(url, data=form, auth=auth, timeout=(5, 15))
    except requests.RequestException:
        log.warning("token refresh for connection %s: provider unreachable", connection.id)
        raise
    if response.status_code in (400, 401):
        log.info("token refresh for connection %s refused (%s)", connection.id, response.status_code)
        raise ConnectionBroken(_revoked_message(connection.provider))
    response.raise_for_status()
    try:
        data = response.json()
        if "error" in data:
            raise ConnectionBroken(_revoked_message(connection.provider))
        return parse_token_response(data)
    except (ValueError, KeyError, TypeError):
        raise ConnectionBroken(_revoked_message(connection.provider)) from None


def _revoked_message(provider: str) -> str:
    if provider == "vk":
        return VK_TOKEN_REVOKED_RU
    return "Токен Эвотора недействителен — подключите Эвотор заново."
