"""Read-only lookups of connections, shared by views, services and other features."""

from __future__ import annotations

from sqlalchemy import select

from evosync.connections.models import Connection
from evosync.extensions import db


def get_connection(user_id: int, provider: str) -> Connection | None:
    """The user's connection to ``provider`` ('evotor' or 'vk'), or None."""
    return db.session.scalar(
        select(Connection).where(Connection.user_id == user_id, Connection.provider == provider)
    )


def connections_by_provider(user_id: int) -> dict[str, Connection]:
    """All of the user's connections keyed by provider."""
    rows = db.session.scalars(select(Connection).where(Connection.user_id == user_id))
    return {row.provider: row for row in rows}
