"""Every model, imported in one place so Alembic and `flask db check` see all tables."""

from evosync.auth.models import LoginSession, User
from evosync.catalog.models import CatalogGroup, CatalogProduct, CatalogState, CatalogStore
from evosync.connections.models import Connection
from evosync.jobs.models import Job
from evosync.ratelimit.models import VkRateSlot
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
from evosync.tasks.models import TaskMark, huey_counter, huey_kv, huey_schedule, huey_task

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
    "TaskMark",
    "User",
    "VkRateSlot",
    "huey_counter",
    "huey_kv",
    "huey_schedule",
    "huey_task",
]
