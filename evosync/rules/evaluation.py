"""The result of evaluating rules against a whole catalog: decisions per row and counts for the tree."""

from __future__ import annotations

from dataclasses import dataclass, field

from .types import Counts, Decision, EntityType, TypeMode

_NO_COUNTS = Counts()


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Decisions for every store, group and product of a catalog, plus product counts per store/group."""

    modes: dict[EntityType, TypeMode]
    stores: dict[str, Decision]
    groups: dict[str, Decision]
    products: dict[str, Decision]
    store_counts: dict[str, Counts] = field(default_factory=dict)
    group_counts: dict[str, Counts] = field(default_factory=dict)

    def store(self, store_id: str) -> Decision:
        """Decision for a store row (KeyError if the store is not in the catalog)."""
        return self.stores[store_id]

    def group(self, group_id: str) -> Decision:
        """Decision for a group row (KeyError if the group is not in the catalog)."""
        return self.groups[group_id]

    def product(self, product_id: str) -> Decision:
        """Decision for a product row (KeyError if the product is not in the catalog)."""
        return self.products[product_id]

    def synced_store_ids(self) -> list[str]:
        """Ids of the stores that pass, in catalog order."""
        return [i for i, d in self.stores.items() if d.syncs]

    def synced_group_ids(self) -> list[str]:
        """Ids of the groups that pass (store and group level), in catalog order."""
        return [i for i, d in self.groups.items() if d.syncs]

    def synced_product_ids(self) -> list[str]:
        """Ids of the products that sync, in catalog order."""
        return [i for i, d in self.products.items() if d.syncs]

    def counts_for_store(self, store_id: str) -> Counts:
        """Products of a store and how many of them sync (zeros for an unknown store)."""
        return self.store_counts.get(store_id, _NO_COUNTS)

    def counts_for_group(self, group_id: str) -> Counts:
        """Products of a group and its descendant groups, and how many of them sync."""
        return self.group_counts.get(group_id, _NO_COUNTS)
