"""Every model, imported in one place so Alembic and `flask db check` see all tables."""

from evosync.auth.models import LoginSession, User
from evosync.auth.models_security import AccountToken, LoginThrottle, SecurityEvent
from evosync.catalog.models import CatalogGroup, CatalogProduct, CatalogState, CatalogStore
from evosync.connections.models import Connection
from evosync.jobs.models import Job
from evosync.notifications.models import NotificationSent, NotificationSwitch
from evosync.sync.models import SyncConfig, SyncFilter
from evosync.sync.models_runs import (
    SyncAlbum,
    SyncLease,
    SyncPlaceholderPhoto,
    SyncRun,
    SyncRunError,
    SyncVkItem,
)
from evosync.sync.settings import SyncSettings

__all__ = [
    "AccountToken",
    "CatalogGroup",
    "CatalogProduct",
    "CatalogState",
    "CatalogStore",
    "Connection",
    "Job",
    "LoginSession",
    "LoginThrottle",
    "NotificationSent",
    "NotificationSwitch",
    "SecurityEvent",
    "SyncAlbum",
    "SyncConfig",
    "SyncFilter",
    "SyncLease",
    "SyncPlaceholderPhoto",
    "SyncRun",
    "SyncRunError",
    "SyncSettings",
    "SyncVkItem",
    "User",
]
