"""Every model, imported in one place so Alembic and `flask db check` see all tables."""

from evosync.auth.models import LoginSession, User
from evosync.catalog.models import CatalogGroup, CatalogProduct, CatalogState, CatalogStore
from evosync.connections.models import Connection
from evosync.goods.models import NameGuessOverride
from evosync.jobs.models import Job
from evosync.rules.models import RuleSetStamp, SyncConfig, SyncFilter
from evosync.sync.config.models import GroupCategory, SyncSettings
from evosync.sync.engine.models import SyncAlbum, SyncLease, SyncPlaceholderPhoto, SyncVkItem
from evosync.sync.runs.models import SyncRun, SyncRunError

__all__ = [
    "CatalogGroup",
    "CatalogProduct",
    "CatalogState",
    "CatalogStore",
    "Connection",
    "GroupCategory",
    "Job",
    "LoginSession",
    "NameGuessOverride",
    "RuleSetStamp",
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
