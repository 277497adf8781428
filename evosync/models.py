"""Every model, imported in one place so Alembic and `flask db check` see all tables."""

from evosync.auth.models import LoginSession, User
from evosync.auth.models_security import AccountToken, LoginThrottle, SecurityEvent
from evosync.catalog.models import CatalogGroup, CatalogProduct, CatalogState, CatalogStore
from evosync.connections.models import Connection
from evosync.goods.models import NameGuessOverride
from evosync.jobs.models import Job
from evosync.notifications.models import NotificationSent, NotificationSwitch
from evosync.ratelimit.models import VkRateSlot
from evosync.rules.models import RuleSetStamp, RuleUndo, SyncConfig, SyncFilter
from evosync.sync.config.models import GroupCategory, SyncSettings
from evosync.sync.engine.models import SyncAlbum, SyncLease, SyncPlaceholderPhoto, SyncVkItem
from evosync.sync.runs.models import SyncRun, SyncRunError
from evosync.tasks.models import TaskMark, TaskWorker, huey_counter, huey_kv, huey_schedule, huey_task
from evosync.thumbs.models import ProductThumb

__all__ = [
    "AccountToken",
    "CatalogGroup",
    "CatalogProduct",
    "CatalogState",
    "CatalogStore",
    "Connection",
    "GroupCategory",
    "Job",
    "LoginSession",
    "LoginThrottle",
    "NameGuessOverride",
    "NotificationSent",
    "NotificationSwitch",
    "ProductThumb",
    "RuleSetStamp",
    "RuleUndo",
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
    "TaskMark",
    "TaskWorker",
    "User",
    "VkRateSlot",
    "huey_counter",
    "huey_kv",
    "huey_schedule",
    "huey_task",
]
