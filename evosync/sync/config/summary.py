"""The filter summary on /sync: rules per type and what they select, from the catalog's decision code."""

from __future__ import annotations

from dataclasses import dataclass

from evosync.catalog.decisions import Snapshot
from evosync.catalog.effect import selected
from evosync.rules import modes
from evosync.rules.queries import to_rules


@dataclass(frozen=True)
class TypeSummary:
    """Rules of one entity type: its mode and how many entities are included / excluded by name."""

    mode: str
    included: int
    excluded: int


@dataclass(frozen=True)
class FilterSummary:
    """Per-type rule counts plus how many stores and products will sync out of the cached catalog."""

    stores: TypeSummary
    groups: TypeSummary
    products: TypeSummary
    stores_syncing: int
    stores_total: int
    products_syncing: int
    products_total: int
    # Of products_syncing, the goods VK forbids (never published; docs/forbidden-goods.md).
    products_unpublished: int
    catalog_fetched: bool
    rule_count: int


def filter_summary(snapshot: Snapshot, catalog_fetched: bool) -> FilterSummary:
    """Summarise a snapshot's rules and decisions (no scan over the products). With no rules nothing syncs
    (not configured), as the catalog's summary says, though the filters alone would pass every product."""
    mode_of = modes(to_rules(snapshot.rules))

    def per_type(entity_type: str) -> TypeSummary:
        mine = [r for r in snapshot.rules if r.entity_type == entity_type]
        return TypeSummary(
            mode_of[entity_type],
            sum(1 for r in mine if r.filter_mode == "include"),
            sum(1 for r in mine if r.filter_mode == "exclude"),
        )

    syncing = (
        sum(1 for s in snapshot.stores if snapshot.resolver.store(s.evotor_id).syncs) if snapshot.rules else 0
    )
    return FilterSummary(
        stores=per_type("store"),
        groups=per_type("group"),
        products=per_type("product"),
        stores_syncing=syncing,
        stores_total=len(snapshot.stores),
        products_syncing=selected(snapshot),
        products_total=snapshot.total.total,
        products_unpublished=snapshot.unpublished_counts().total if snapshot.rules else 0,
        catalog_fetched=catalog_fetched,
        rule_count=len(snapshot.rules),
    )
