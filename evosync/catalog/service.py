"""Catalog actions: set or clear one rule, remove rules, and the refresh job. Services flush; edges commit."""

from __future__ import annotations

from sqlalchemy import select

from evosync.catalog import queries
from evosync.catalog.models import CatalogGroup, CatalogProduct, CatalogStore
from evosync.catalog.refresh import refresh_catalog
from evosync.connections.clients import evotor_client_for
from evosync.extensions import db
from evosync.jobs.service import JobFn, Progress
from evosync.refusals import Refusal
from evosync.rules import service as rules_service
from evosync.rules.models import SyncFilter

REFRESH_KIND = "catalog_refresh"
MODES = ("include", "exclude", "clear")


class BadFilterInput(Refusal):
    """A filter request with an unknown type or mode; ``message_ru`` is shown to the user."""


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


def parent_id(entity) -> str | None:
    """The parent a rule records for an entity: the store for a group, the group for a product."""
    if isinstance(entity, CatalogGroup):
        return entity.store_id
    if isinstance(entity, CatalogProduct):
        return entity.group_id
    return None


def set_filter(user_id: int, entity_type: str, entity, mode: str) -> None:
    """Set or clear the rule on a cached catalog entity (its name and parent recorded with the rule)."""
    rules_service.set_rule(user_id, entity_type, entity.evotor_id, mode, entity.name or "", parent_id(entity))


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
