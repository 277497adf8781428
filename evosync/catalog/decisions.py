"""Filter decisions (docs/filters.md) over the cached catalog, through the pure engine in ``evosync.rules``.

Stores, groups and rules are small, so a ``Snapshot`` loads them whole and builds a ``Resolver``. Products
are many: counts come from the per-group / per-store-root product counts stored at refresh time (every
product without a rule of its own in one bucket decides like any other), corrected by the few products that
carry their own rule; the «synced only» filter becomes a SQL condition derived from the same Resolver.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace

from sqlalchemy import ColumnElement, Select, and_, false, inspect, not_, or_, select, true

from evosync.catalog import queries, unpublished
from evosync.catalog.models import CatalogGroup, CatalogProduct, CatalogState, CatalogStore, catalog_half
from evosync.extensions import db
from evosync.lru import LRU
from evosync.rules import Counts, Decision, Evaluation, GroupNode, ProductNode, Resolver, StoreNode
from evosync.rules import evaluate as engine_evaluate
from evosync.rules import queries as rules_queries
from evosync.rules import reasons as R
from evosync.rules.models import SyncFilter
from evosync.rules.queries import to_rules

# What recent snapshots loaded, bounded by the rows they hold (a copied row is well under a kilobyte): the
# stores and groups under (user, catalog half of the token), the rules, resolver and counts under (user,
# token). A few hundred shops of usual size, or fewer with thousands of groups, in at most ~100 MB a process.
KEPT_ROWS = 50_000
# A catalog part remembers where its ruled products sit, at most this many (only rules name them).
KEPT_NODES = 10_000
_catalogs = LRU(KEPT_ROWS, weigh=lambda part: 1 + len(part.stores) + len(part.groups))
_remembered = LRU(KEPT_ROWS, weigh=lambda parts: 1 + len(parts[0]) + len(parts[1]) + len(parts[2]))
# An id no rule can name (NUL is stripped from every stored id): a product with no rule of its own.
_ANY = "\x00"


@dataclass
class Snapshot:
    """A user's stores, groups and rules, their decisions and product counts."""

    user_id: int
    # Read-only copies (``Record``) of the CatalogStore, CatalogGroup and SyncFilter rows.
    stores: list
    groups: list
    rules: list
    resolver: Resolver
    store_counts: dict[str, Counts]
    group_counts: dict[str, Counts]
    total: Counts
    # Where the products with a rule of their own sit (those in the catalog).
    ruled_nodes: list[ProductNode] = field(default_factory=list)
    catalog: _CatalogPart | None = field(default=None, repr=False, compare=False)
    # True when every product's stored decision reflects these rules (docs/catalog.md).
    decided: bool = False
    _stored: dict[tuple[str, str | None], Decision] = field(default_factory=dict, repr=False, compare=False)
    # The state row it was loaded from (None without one): a rule change in the same transaction gives
    # that row its new token and versions, so the snapshot after the change loads from it without a read.
    state: CatalogState | None = field(default=None, repr=False, compare=False)
    _unpublished: unpublished.Unpublished | None = field(default=None, repr=False, compare=False)

    def unpublished_counts(self) -> unpublished.Unpublished:
        """Selected products VK forbids (never published), per store and group; computed once."""
        if self._unpublished is None:
            known = self.catalog.forbidden_counts(self.user_id) if self.catalog else unpublished.Forbidden({})
            ruled = [r.entity_id for r in self.rules if r.entity_type == "product"]
            self._unpublished = unpublished.count(self.user_id, self.resolver, known, ruled)
        return self._unpublished

    def row_decision(self, product: CatalogProduct) -> Decision:
        """A product row's decision: its stored one when current (no rules walk per row), else the engine's."""
        code = product.decision_code
        if not self.decided or code is None:
            return self.product(product.evotor_id, product.store_id, product.group_id)
        key = (code, product.decision_source)
        decision = self._stored.get(key)
        if decision is None:
            decision = self._stored[key] = self.resolver.stored_product(*key)
        return decision

    def product_node(self, product_id: str) -> ProductNode | None:
        """Where one product sits (None when it is not in the catalog)."""
        nodes = self.catalog.product_nodes(self.user_id, [product_id]) if self.catalog else []
        return nodes[0] if nodes else None

    def product(self, product_id: str, store_id: str, group_id: str | None) -> Decision:
        """Decision for one product row."""
        return self.resolver.product(ProductNode(product_id, store_id, group_id))

    def store_count(self, store_id: str) -> Counts:
        """Products of a store and how many of them sync."""
        return self.store_counts.get(store_id, Counts())

    def group_count(self, group_id: str) -> Counts:
        """Products of a group (with its subgroups) and how many of them sync."""
        return self.group_counts.get(group_id, Counts())

    def store_rule(self, store_id: str) -> str | None:
        """The store's own rule mode, or None."""
        return self.resolver.rules.own("store", store_id)

    def own_rule(self, entity_type: str, entity_id: str) -> str | None:
        """The entity's own rule mode (include / exclude), or None."""
        return self.resolver.rules.own(entity_type, entity_id)

    def type_mode(self, entity_type: str) -> str:
        """How an entity type is filtered: all / include / exclude."""
        return self.resolver.rules.modes[entity_type]

    def store_decision(self, store_id: str) -> Decision:
        """Decision for one store row."""
        return self.resolver.store(store_id)

    def group_decision(self, group_id: str) -> Decision:
        """Decision for one group row."""
        return self.resolver.group(group_id)

    def group_name(self, group_id: str | None) -> str | None:
        """The name of a known group, or None (no group, or a group missing from the catalog)."""
        group = self.resolver.groups.get(group_id) if group_id else None
        return group.name if group else None

    def store_name(self, store_id: str) -> str:
        """The name of a known store (its id if unknown)."""
        store = self.resolver.stores.get(store_id)
        return store.name if store else store_id

    def depth(self, group_id: str) -> int:
        """Nesting depth of a known group (0 at the root)."""
        return len(self.resolver.ancestors(group_id))

    def subtree(self, group_id: str) -> list[str]:
        """The group and all its descendants (known groups only)."""
        return [g.evotor_id for g in self.groups if g.evotor_id == group_id or group_id in self._up(g)]

    def _up(self, group) -> list[str]:
        return self.resolver.ancestors(group.evotor_id)

    def tree(self, store_id: str) -> list[tuple[Record, int]]:
        """The store's groups in tree order (parents before children), with their depth."""
        children: dict[str | None, list[Record]] = defaultdict(list)
        mine = [g for g in self.groups if g.store_id == store_id]
        known = {g.evotor_id for g in mine}
        for group in mine:
            parent = (
                group.parent_id if group.parent_id in known and group.parent_id != group.evotor_id else None
            )
            children[parent].append(group)
        ordered: list[tuple[Record, int]] = []
        seen: set[str] = set()

        def walk(parent: str | None, depth: int) -> None:
            for group in children.get(parent, []):
                if group.evotor_id not in seen:
                    seen.add(group.evotor_id)
                    ordered.append((group, depth))
                    walk(group.evotor_id, depth + 1)

        walk(None, 0)
        # Groups caught in a parent cycle are unreachable from the root: list them flat at the end.
        ordered.extend((g, 0) for g in mine if g.evotor_id not in seen)
        return ordered

    def synced_clause(self) -> ColumnElement[bool]:
        """SQL condition on ``catalog_products`` true exactly for the products that sync."""
        rules = self.resolver.rules
        passes_levels = self._passes_store_and_group
        ok_groups = [g.evotor_id for g in self.groups if passes_levels(g.store_id, g.evotor_id)]
        ok_roots = [s.evotor_id for s in self.stores if passes_levels(s.evotor_id, None)]
        known = select(CatalogGroup.evotor_id).where(CatalogGroup.user_id == self.user_id)
        p = CatalogProduct
        levels = or_(
            and_(p.group_id.is_not(None), p.group_id.in_(ok_groups)) if ok_groups else false(),
            and_(p.store_id.in_(ok_roots), or_(p.group_id.is_(None), p.group_id.not_in(known)))
            if ok_roots
            else false(),
        )
        own = [(r.entity_id, r.filter_mode) for r in self.rules if r.entity_type == "product"]
        excluded = [i for i, mode in own if rules.own("product", i) == "exclude"]
        included = [i for i, mode in own if rules.own("product", i) == "include"]
        product_level = not_(p.evotor_id.in_(excluded)) if excluded else true()
        if rules.modes["product"] == "include":
            product_level = and_(product_level, p.evotor_id.in_(included))
        return and_(levels, product_level)

    def _passes_store_and_group(self, store_id: str, group_id: str | None) -> bool:
        decision = self.product(_ANY, store_id, group_id)
        return decision.syncs or decision.code == R.PRODUCT_NOT_INCLUDED


def load_snapshot(user_id: int, state=None) -> Snapshot:
    """Load stores, groups and rules and compute every count (no scan over the products).

    What a snapshot holds changes only with a refresh or a rule change, and both give the user's catalog
    state a new random ``snapshot_token`` (a rule change keeps its catalog half); the loaded parts are kept
    per (user, token) in this process, so most requests read just the state row (docs/catalog.md).
    ``state`` is the user's state row when the caller holds it (its token and versions are what counts)."""
    state = state if state is not None else queries.catalog_state(user_id)
    token = state.snapshot_token if state is not None else None
    parts = _remembered.get((user_id, token)) if token else None
    if parts is None:
        parts = _load_parts(user_id, _catalog_part(user_id, token))
        if token:
            _remembered.put((user_id, token), parts)
    decided = state is not None and state.decided_version == state.rules_version
    return Snapshot(user_id, *parts, decided, state=state)


@dataclass
class _CatalogPart:
    """What only a refresh changes: stores, groups and where the ruled products sit (filled as asked)."""

    stores: list
    groups: list
    # Evotor id → (store id, group id), None for a product not in the catalog.
    nodes: dict[str, tuple[str, str | None] | None] = field(default_factory=dict)
    # The forbidden products per bucket (type and name guess change only with a refresh), read when first asked.
    forbidden: unpublished.Forbidden | None = None

    def forbidden_counts(self, user_id: int) -> unpublished.Forbidden:
        """This catalog's ``unpublished.Forbidden`` (one grouped count, then remembered)."""
        if self.forbidden is None:
            self.forbidden = unpublished.Forbidden.load(user_id)
        return self.forbidden

    def product_nodes(self, user_id: int, ids: list[str]) -> list[ProductNode]:
        """The nodes of the products with these ids that are in the catalog (remembered once read)."""
        missing = [i for i in ids if i not in self.nodes]
        if missing:
            found = {i: (s, g) for i, s, g in queries.product_nodes_by_ids(user_id, missing)}
            if len(self.nodes) + len(missing) <= KEPT_NODES:
                self.nodes.update({i: found.get(i) for i in missing})
        else:
            found = {}
        nodes = []
        for product_id in ids:
            where = self.nodes[product_id] if product_id in self.nodes else found.get(product_id)
            if where is not None:
                nodes.append(ProductNode(product_id, *where))
        return nodes


def _catalog_part(user_id: int, token: str | None) -> _CatalogPart:
    key = (user_id, catalog_half(token)) if token else None
    part = _catalogs.get(key) if key else None
    if part is None:
        stores = _records(CatalogStore, queries.stores_select(user_id))
        part = _CatalogPart(stores, _records(CatalogGroup, queries.groups_select(user_id)))
        if key:
            _catalogs.put(key, part)
    return part


def _load_parts(user_id: int, catalog: _CatalogPart) -> tuple:
    stores, groups = catalog.stores, catalog.groups
    rules = _records(SyncFilter, rules_queries.rules_select(user_id))
    resolver = Resolver(
        [StoreNode(s.evotor_id, s.name) for s in stores],
        [GroupNode(g.evotor_id, g.store_id, g.name, g.parent_id) for g in groups],
        to_rules(rules),
    )
    # Products per (store, group key) bucket; None = outside any known group.
    buckets: dict[tuple[str, str | None], int] = {(s.evotor_id, None): s.ungrouped_count for s in stores}
    for group in groups:
        key = (group.store_id, group.evotor_id)
        buckets[key] = buckets.get(key, 0) + group.product_count
    direct: dict[tuple[str, str | None], list[int]] = defaultdict(lambda: [0, 0])
    ruled = catalog.product_nodes(user_id, [r.entity_id for r in rules if r.entity_type == "product"])
    for node in ruled:
        key = (node.store_id, node.group_id if node.group_id in resolver.groups else None)
        buckets[key] = buckets.get(key, 0) - 1
        tally = direct[key]
        tally[0] += 1
        tally[1] += resolver.product(node).syncs
    for (store_id, group_id), count in buckets.items():
        if count > 0:
            tally = direct[(store_id, group_id)]
            tally[0] += count
            tally[1] += count if resolver.product(ProductNode(_ANY, store_id, group_id)).syncs else 0
    store_counts, group_counts = _aggregate(resolver, direct)
    total = Counts(sum(c.total for c in store_counts.values()), sum(c.synced for c in store_counts.values()))
    return stores, groups, rules, resolver, store_counts, group_counts, total, ruled, catalog


def _records(model, stmt: Select) -> list[Record]:
    """Read-only copies of the rows ``stmt`` selects (every column attribute of ``model``), read past the
    session's identity map: the ORM objects it holds may predate a Core write in this transaction, and a
    copy outlives its session."""
    columns = [getattr(model, attr.key) for attr in inspect(model).column_attrs]
    return [Record(**row) for row in db.session.execute(stmt.with_only_columns(*columns)).mappings()]


class Record(SimpleNamespace):
    """A read-only copy of one row: a snapshot's store, group or rule."""

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __init__(self, **values) -> None:
        self.__dict__.update(values)


def _aggregate(
    resolver: Resolver, direct: dict[tuple[str, str | None], list[int]]
) -> tuple[dict[str, Counts], dict[str, Counts]]:
    stores: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    groups: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (store_id, group_id), (total, synced) in direct.items():
        stores[store_id][0] += total
        stores[store_id][1] += synced
        if group_id is not None:
            for holder in (group_id, *resolver.ancestors(group_id)):
                groups[holder][0] += total
                groups[holder][1] += synced
    return (
        {k: Counts(*v) for k, v in stores.items()},
        {k: Counts(*v) for k, v in groups.items()},
    )


def evaluate_catalog(user_id: int) -> Evaluation:
    """Decide every store, group and product of the user's cached catalog (the sync and export use it)."""
    snapshot = load_snapshot(user_id)
    rows = db.session.execute(
        select(CatalogProduct.evotor_id, CatalogProduct.store_id, CatalogProduct.group_id).where(
            CatalogProduct.user_id == user_id
        )
    )
    return engine_evaluate(
        snapshot.resolver.stores.values(),
        snapshot.resolver.groups.values(),
        (ProductNode(i, s, g) for i, s, g in rows),
        snapshot.resolver.rules,
    )
