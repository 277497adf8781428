"""Every model, imported in one place so Alembic and `flask db check` see all tables."""

from evosync.auth.models import LoginSession, User
from evosync.connections.models import Connection

__all__ = ["Connection", "LoginSession", "User"]
