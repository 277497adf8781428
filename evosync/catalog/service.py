"""Catalog actions: set or clear one rule, remove rules, and the refresh job. Services flush; edges commit."""

from __future__ import annotations

from sqlalchemy import delete, select

from evosync.catalog import queries
from evosync.catalog.models import CatalogGroup, CatalogProduct, CatalogStore
from evosync.catalog.refresh import refresh_catalog
from evosync.connections.clients import evotor_client_for
from evosync.db import dialect_insert
from evosync.extensions import db
from evosync.jobs.service import JobFn, Progress
from evosync.sync.models import SyncConfig, SyncFilter
from evosync.sync.settings import mark_rules_changed

REFRESH_KIND = "catalog_refresh"
MODES = ("include", "exclude", "clear")


class BadFilterInput(ValueError):
    """A filter request with an unknown type or mode; ``message_ru`` is shown to the user."""

    def __init__(self, message_ru: str) -> None:
        super().__init__(message_ru)
        self.message_ru = message_ru


def clean_text(value: str | None, limit: int) -> str:
    """Drop NUL bytes (PostgreSQL rejects them) and cut to ``limit`` characters."""
    return (value or "").replace("\x00", "").strip()[:limit]


def parse_filter(entity_type: str | None, entity_id: str | None, mode: str | None) -> tuple[str, str, str]:
    """Validate the three fields of ``POST /catalog/filters``; BadFilterInput with a Russian message."""
    if entity_type not in queries.ENTITY_MODELS:
        raise BadFilterInput("Неизвестный тип объекта: ожидается магазин, группа или товар.")
    if mode not in MODES:
        raise BadFilterInput("Неизвестное действие: ожидается «включить», «исключить» или «сбросить».")
    # Longer than any stored id (255) means «no such entity», which the caller answers with 404.
    entity_id = clean_text(entity_id, 256)
    if not entity_id:
        raise BadFilterInput("Не указан объект каталога.")
    return entity_type, entity_id, mode


def get_or_create_config(user_id: int) -> SyncConfig:
    """The user's sync config, created (disabled, unconfirmed) when missing — race-free."""
    config = queries.sync_config(user_id)
    if config is None:
        stmt = dialect_insert(db.session, SyncConfig.__table__).values(user_id=user_id, is_enabled=False)
        db.session.execute(stmt.on_conflict_do_nothing(index_elements=["user_id"]))
        config = queries.sync_config(user_id)
    return config


def _parent_id(entity) -> str | None:
    if isinstance(entity, CatalogGroup):
        return entity.store_id
    if isinstance(entity, CatalogProduct):
        return entity.group_id
    return None


def set_filter(user_id: int, entity_type: str, entity, mode: str) -> None:
    """Set ``mode`` (include/exclude) on a cached entity, or clear its rule.

    One upsert (or one delete) per call, so concurrent toggles of the same row never collide on the
    unique (sync_config_id, entity_type, entity_id) constraint.
    """
    config = get_or_create_config(user_id)
    key = (
        SyncFilter.sync_config_id == config.id,
        SyncFilter.entity_type == entity_type,
        SyncFilter.entity_id == entity.evotor_id,
    )
    mark_rules_changed(user_id)
    if mode == "clear":
        db.session.execute(delete(SyncFilter).where(*key))
        return
    values = {
        "filter_mode": mode,
        "entity_name": (entity.name or entity.evotor_id)[:255],
        "parent_entity_id": _parent_id(entity),
    }
    stmt = dialect_insert(db.session, SyncFilter.__table__).values(
        sync_config_id=config.id, entity_type=entity_type, entity_id=entity.evotor_id, **values
    )
    db.session.execute(
        stmt.on_conflict_do_update(index_elements=["sync_config_id", "entity_type", "entity_id"], set_=values)
    )


def remove_rule(user_id: int, rule: SyncFilter) -> None:
    """Delete one of the user's rules (it may name an entity that is no longer in the catalog)."""
    mark_rules_changed(user_id)
    db.session.delete(rule)
    db.session.flush()


def reset_rules(user_id: int) -> int:
    """Delete every rule of the user; return how many went."""
    config = queries.sync_config(user_id)
    if config is None:
        return 0
    mark_rules_changed(user_id)
    result = db.session.execute(delete(SyncFilter).where(SyncFilter.sync_config_id == config.id))
    db.session.flush()
    return result.rowcount


def entity_exists(user_id: int, rule: SyncFilter) -> bool:
    """Whether the rule's entity is still in the cached catalog."""
    return queries.get_entity_for_user(user_id, rule.entity_type, rule.entity_id) is not None


def missing_rule_ids(user_id: int, rules: list[SyncFilter]) -> set[int]:
    """Ids of the rules whose store/group/product is no longer in the cached catalog."""
    missing: set[int] = set()
    for entity_type, model in (("store", CatalogStore), ("group", CatalogGroup), ("product", CatalogProduct)):
        mine = {r.entity_id: r.id for r in rules if r.entity_type == entity_type}
        if not mine:
            continue
        found = set(
            db.session.scalars(
                select(model.evotor_id).where(model.user_id == user_id, model.evotor_id.in_(list(mine)))
            )
        )
        missing.update(rule_id for entity_id, rule_id in mine.items() if entity_id not in found)
    return missing


def refresh_job(user_id: int) -> JobFn:
    """The job that refreshes the user's catalog; it commits at each progress checkpoint (it is an edge)."""

    def run(progress: Progress) -> str:
        client = evotor_client_for(user_id)

        def checkpoint(text: str, percent: int | None) -> None:
            db.session.commit()
            progress(text, percent)

        return refresh_catalog(user_id, client, checkpoint).summary_ru()

    return run
