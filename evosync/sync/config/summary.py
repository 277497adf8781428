"""The filter summary on /sync: rules per type and what they select, from the catalog's decision code."""

from __future__ import annotations

from dataclasses import dataclass

from evosync.catalog.decisions import Snapshot
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
    catalog_fetched: bool
    rule_count: int


def filter_summary(snapshot: Snapshot, catalog_fetched: bool) -> FilterSummary:
    """Summarise a snapshot's rules and decisions (no scan over the products)."""
    mode_of = modes(to_rules(snapshot.rules))

    def per_type(entity_type: str) -> TypeSummary:
        mine = [r for r in snapshot.rules if r.entity_type == entity_type]
        return TypeSummary(
            mode_of[entity_type],
            sum(1 for r in mine if r.filter_mode == "include"),
            sum(1 for r in mine if r.filter_mode == "exclude"),
        )

    syncing = sum(1 for s in snapshot.stores if snapshot.resolver.store(s.evotor_id).syncs)
    return FilterSummary(
        stores=per_type("store"),
        groups=per_type("group"),
        products=per_type("product"),
        stores_syncing=syncing,
        stores_total=len(snapshot.stores),
        products_syncing=snapshot.total.synced,
        products_total=snapshot.total.total,
        catalog_fetched=catalog_fetched,
        rule_count=len(snapshot.rules),
    )
