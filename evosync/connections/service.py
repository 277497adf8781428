"""Connection actions: save tokens, disconnect. Services flush; the caller commits."""

from __future__ import annotations

from datetime import datetime

from evosync.connections.models import Connection
from evosync.connections.queries import get_connection
from evosync.connections.vault_access import vault
from evosync.db import utcnow
from evosync.extensions import db


def save_tokens(
    user_id: int,
    provider: str,
    access_token: str,
    *,
    auth_method: str = "oauth",
    refresh_token: str | None = None,
    expires_at: datetime | None = None,
    device_id: str | None = None,
    scope: str = "",
) -> Connection:
    """Create or replace the user's connection to ``provider`` with freshly obtained tokens."""
    connection = get_connection(user_id, provider)
    if connection is None:
        connection = Connection(user_id=user_id, provider=provider, token_version=0)
        db.session.add(connection)
    box = vault()
    connection.auth_method = auth_method
    connection.access_token_enc = box.encrypt(access_token)
    connection.refresh_token_enc = box.encrypt(refresh_token) if refresh_token else None
    connection.token_expires_at = expires_at
    connection.device_id = device_id
    connection.scope = scope
    connection.token_version = (connection.token_version or 0) + 1
    connection.status = "unknown"
    connection.reason_code = None
    connection.message = None
    connection.consecutive_failures = 0
    connection.updated_at = utcnow()
    db.session.flush()
    return connection
