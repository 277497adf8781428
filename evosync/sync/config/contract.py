"""The JSON object (docs/sync-config.md) of one user's sync configuration (shell scripts parse it: keep the key order)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from evosync.auth.models import User
from evosync.catalog import queries as catalog_queries
from evosync.catalog.stored import catalog_evaluation
from evosync.connections.queries import get_connection
from evosync.db import as_utc
from evosync.rules import modes
from evosync.rules import queries as rules_queries
from evosync.rules.models import SyncFilter
from evosync.rules.queries import to_rules
from evosync.sync.config.service import readiness

PARENT_KEY = {"group": "store_id", "product": "group_id"}


def _timestamp(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a trailing Z, to the second, as in the spec's example."""
    if value is None:
        return None
    return as_utc(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _entity(rule: SyncFilter) -> Any:
    if rule.entity_type == "store":
        return rule.entity_id
    return {
        "id": rule.entity_id,
        "name": rule.entity_name,
        PARENT_KEY[rule.entity_type]: rule.parent_entity_id,
    }


def _type_block(rules: list[SyncFilter], entity_type: str, mode: str) -> dict[str, Any]:
    mine = [r for r in rules if r.entity_type == entity_type]
    return {
        "mode": mode,
        "include": [_entity(r) for r in mine if r.filter_mode == "include"],
        "exclude": [_entity(r) for r in mine if r.filter_mode == "exclude"],
    }


def _resolved(user_id: int, rules: list[SyncFilter]) -> dict[str, list[str]] | None:
    if catalog_queries.catalog_state(user_id) is None:
        return None
    evaluation = catalog_evaluation(user_id)
    return {
        "store_ids": evaluation.synced_store_ids(),
        "group_ids": evaluation.synced_group_ids(),
        "product_ids": evaluation.synced_product_ids(),
        "include_group_names": [
            r.entity_name for r in rules if r.entity_type == "group" and r.filter_mode == "include"
        ],
        "exclude_group_names": [
            r.entity_name for r in rules if r.entity_type == "group" and r.filter_mode == "exclude"
        ],
        "exclude_product_ids": [
            r.entity_id for r in rules if r.entity_type == "product" and r.filter_mode == "exclude"
        ],
    }


def config_object(user: User) -> dict[str, Any]:
    """The user's configuration as the ordered dict docs/sync-config.md shows."""
    config = rules_queries.sync_config(user.id)
    rules = rules_queries.rules(user.id)
    mode = modes(to_rules(rules))
    vk = get_connection(user.id, "vk")
    return {
        "user_id": user.id,
        "email": user.email,
        "enabled": bool(config and config.is_enabled),
        "confirmed_at": _timestamp(config.confirmed_at if config else None),
        "ready": readiness(user.id)[0],
        "vk_group_id": vk.vk_group_id if vk else None,
        "stores": _type_block(rules, "store", mode["store"]),
        "groups": _type_block(rules, "group", mode["group"]),
        "products": _type_block(rules, "product", mode["product"]),
        "resolved": _resolved(user.id, rules),
    }


def dumps(value: Any) -> str:
    """Serialise as the CLI prints it: UTF-8 text (no \\u escapes), one line."""
    return json.dumps(value, ensure_ascii=False)
