"""Issuing, checking and revoking the sandbox's Evotor and VK tokens."""

from __future__ import annotations

import secrets
import sqlite3
import uuid

from . import catalog, vk_demo
from .state import now

EVOTOR_SCOPE = "store:read product-group:read product:read product.quantity:read product.image:read"
VK_ACCESS_TTL = 3600
# Refresh tokens are long-lived in VK ID (often quoted as 180 days).
VK_REFRESH_TTL = 180 * 24 * 3600


def mint_evotor(
    conn: sqlite3.Connection,
    scope: str = EVOTOR_SCOPE,
    token: str | None = None,
    client_id: str | None = None,
) -> str:
    """Store and return an Evotor cloud token (UUID-shaped, like the real ones)."""
    token = token or str(uuid.uuid4())
    conn.execute(
        "INSERT OR REPLACE INTO tokens (token, kind, user_id, client_id, scope, created_at)"
        " VALUES (?, 'evotor', ?, ?, ?, ?)",
        (token, catalog.USER_ID, client_id, scope, now()),
    )
    return token


def mint_vk_pair(
    conn: sqlite3.Connection,
    user_id: int,
    client_id: str | None,
    scope: str = vk_demo.DEFAULT_SCOPE,
    device_id: str | None = None,
    family: str | None = None,
    access_ttl: float = VK_ACCESS_TTL,
) -> dict:
    """Store a VK access/refresh pair in a (possibly new) rotation family and return its fields."""
    family = family or secrets.token_hex(8)
    device_id = device_id or secrets.token_urlsafe(24)
    access = "vk1.a." + secrets.token_urlsafe(48)
    refresh = "vk1.r." + secrets.token_urlsafe(48)
    t = now()
    for token, kind, ttl in ((access, "vk_access", access_ttl), (refresh, "vk_refresh", VK_REFRESH_TTL)):
        conn.execute(
            "INSERT INTO tokens (token, kind, user_id, client_id, scope, family, device_id, expires_at, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (token, kind, str(user_id), client_id, scope, family, device_id, t + ttl, t),
        )
    return {
        "access_token": access,
        "refresh_token": refresh,
        "expires_in": int(access_ttl),
        "user_id": user_id,
        "device_id": device_id,
        "scope": scope,
        "family": family,
    }


def lookup(conn: sqlite3.Connection, token: str, kind: str) -> sqlite3.Row | None:
    """Return the live token row of ``kind`` (not revoked, not expired), or None."""
    row = conn.execute("SELECT * FROM tokens WHERE token = ? AND kind = ?", (token, kind)).fetchone()
    if row is None or row["revoked"]:
        return None
    if row["expires_at"] is not None and row["expires_at"] < now():
        return None
    return row


def revoke_family(conn: sqlite3.Connection, family: str) -> None:
    """Revoke every token of a rotation family (refresh-token reuse, code replay, revoke endpoint)."""
    conn.execute("UPDATE tokens SET revoked = 1 WHERE family = ?", (family,))


def revoke(
    conn: sqlite3.Connection, token: str | None = None, user_id: str | None = None, kind: str | None = None
) -> int:
    """Revoke one token, or all tokens of a user (optionally only one kind); return how many."""
    if token is not None:
        cur = conn.execute("UPDATE tokens SET revoked = 1 WHERE token = ?", (token,))
    elif user_id is not None:
        sql, args = "UPDATE tokens SET revoked = 1 WHERE user_id = ?", [str(user_id)]
        if kind:
            sql += " AND kind = ?"
            args.append(kind)
        cur = conn.execute(sql, args)
    else:
        sql, args = "UPDATE tokens SET revoked = 1", []
        if kind:
            sql += " WHERE kind = ?"
            args.append(kind)
        cur = conn.execute(sql, args)
    return cur.rowcount


def expire(conn: sqlite3.Connection, token: str | None = None, user_id: str | None = None) -> int:
    """Make VK access tokens expire now (the refresh token stays valid), to exercise refresh."""
    past = now() - 1
    if token is not None:
        cur = conn.execute(
            "UPDATE tokens SET expires_at = ? WHERE token = ? AND kind = 'vk_access'", (past, token)
        )
    else:
        sql, args = "UPDATE tokens SET expires_at = ? WHERE kind = 'vk_access'", [past]
        if user_id is not None:
            sql += " AND user_id = ?"
            args.append(str(user_id))
        cur = conn.execute(sql, args)
    return cur.rowcount
