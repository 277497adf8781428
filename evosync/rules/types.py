"""Plain, frozen inputs and outputs of the filter engine (docs/filters.md): rules, catalog nodes, decisions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

EntityType = Literal["store", "group", "product"]
RuleMode = Literal["include", "exclude"]
TypeMode = Literal["all", "include", "exclude"]

ENTITY_TYPES: tuple[EntityType, ...] = ("store", "group", "product")
RULE_MODES: tuple[RuleMode, ...] = ("include", "exclude")


@dataclass(frozen=True, slots=True)
class Rule:
    """One `sync_filters` row: include or exclude one store, group or product by its Evotor id."""

    entity_type: EntityType
    entity_id: str
    mode: RuleMode
    entity_name: str = ""

    def __post_init__(self) -> None:
        if self.entity_type not in ENTITY_TYPES:
            raise ValueError(f"unknown entity_type {self.entity_type!r}")
        if self.mode not in RULE_MODES:
            raise ValueError(f"unknown rule mode {self.mode!r}")


@dataclass(frozen=True, slots=True)
class StoreNode:
    """An Evotor store."""

    id: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class GroupNode:
    """An Evotor product group; `parent_id` is the enclosing group, if any."""

    id: str
    store_id: str
    name: str = ""
    parent_id: str | None = None


@dataclass(frozen=True, slots=True)
class ProductNode:
    """An Evotor product; `group_id` is None for a product outside any group."""

    id: str
    store_id: str
    group_id: str | None = None
    name: str = ""


@dataclass(frozen=True, slots=True)
class Decision:
    """The effective decision for one row: whether it syncs, a stable code and a Russian reason.

    `source_id` is the id of the entity whose rule decided (the excluded store, the group holding the
    inherited rule, the product itself), or None when no single rule decided (defaults, not-included).
    """

    syncs: bool
    code: str
    reason: str
    source_id: str | None = None

    @property
    def level(self) -> EntityType | None:
        """The deciding level of a failing decision (`store`, `group`, `product`); None when it syncs."""
        if self.syncs:
            return None
        return self.code.split("_", 1)[0]  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class Counts:
    """Products under a store or group (a group's include its descendants') and how many of them sync."""

    total: int = 0
    synced: int = 0
