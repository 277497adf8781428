"""Every model, imported in one place so Alembic and `flask db check` see all tables."""

from evosync.auth.models import LoginSession, User
from evosync.catalog.models import CatalogGroup, CatalogProduct, CatalogState, CatalogStore
from evosync.connections.models import Connection
from evosync.jobs.models import Job
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
    "CatalogGroup",
    "CatalogProduct",
    "CatalogState",
    "CatalogStore",
    "Connection",
    "Job",
    "LoginSession",
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
