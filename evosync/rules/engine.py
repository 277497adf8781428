"""The filter semantics (docs/filters.md) as pure functions: which stores, groups and products sync, and why.

Each level (store → group → product) must pass; per entity type the rules are in «all» mode (no rules),
«include» mode (any include rule: whitelist) or «exclude» mode (only exclude rules: blacklist). A group
takes its own rule, else its nearest ancestor's. The reason of a failing decision names the highest
failing level. Store and group verdicts are memoised, so deciding a product costs a few dict lookups.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from . import reasons as R
from .evaluation import Evaluation
from .types import (
    ENTITY_TYPES,
    Counts,
    Decision,
    EntityType,
    GroupNode,
    ProductNode,
    Rule,
    RuleMode,
    StoreNode,
    TypeMode,
)

# A level's verdict before it becomes a row's Decision: (failing code or passing code, deciding id, name).
_Verdict = tuple[str, str | None, str | None]
# [total, synced] products per (store id, group id as given).
_Tallies = Mapping[tuple[str, str | None], list[int]]


def modes(rules: Iterable[Rule]) -> dict[EntityType, TypeMode]:
    """Mode per entity type: `all` (no rules), `include` (any include rule) or `exclude` (only excludes)."""
    result: dict[EntityType, TypeMode] = dict.fromkeys(ENTITY_TYPES, "all")
    for rule in rules:
        if rule.mode == "include":
            result[rule.entity_type] = "include"
        elif result[rule.entity_type] == "all":
            result[rule.entity_type] = "exclude"
    return result


class RuleSet:
    """Rules indexed by (type, id); of two conflicting rules for one entity the exclusion wins."""

    __slots__ = ("_names", "_own", "modes")

    def __init__(self, rules: Iterable[Rule]) -> None:
        rules = list(rules)
        self.modes = modes(rules)
        self._own: dict[EntityType, dict[str, RuleMode]] = {t: {} for t in ENTITY_TYPES}
        self._names: dict[tuple[EntityType, str], str] = {}
        for rule in rules:
            own = self._own[rule.entity_type]
            if own.get(rule.entity_id) != "exclude":
                own[rule.entity_id] = rule.mode
            if rule.entity_name:
                self._names[(rule.entity_type, rule.entity_id)] = rule.entity_name

    def own(self, entity_type: EntityType, entity_id: str) -> RuleMode | None:
        """The rule mode set on this very entity, or None."""
        return self._own[entity_type].get(entity_id)

    def cached_name(self, entity_type: EntityType, entity_id: str) -> str | None:
        """The entity name cached in its rule, if any."""
        return self._names.get((entity_type, entity_id))


class Resolver:
    """Decides rows against one catalog's stores and groups; products are decided one by one, cheaply."""

    def __init__(self, stores: Iterable[StoreNode], groups: Iterable[GroupNode], rules: Iterable[Rule]):
        self.rules = rules if isinstance(rules, RuleSet) else RuleSet(rules)
        self.stores: dict[str, StoreNode] = {s.id: s for s in stores}
        self.groups: dict[str, GroupNode] = {g.id: g for g in groups}
        self._store_verdicts: dict[str, _Verdict] = {}
        self._nearest: dict[str, tuple[str, RuleMode] | None] = {}
        self._group_verdicts: dict[str | None, _Verdict] = {}
        self._product_memo: dict[tuple[str, str | None], Decision] = {}

    # --- names -------------------------------------------------------------------------------------
    def _store_name(self, store_id: str) -> str:
        node = self.stores.get(store_id)
        return (node and node.name) or self.rules.cached_name("store", store_id) or store_id

    def _group_name(self, group_id: str) -> str:
        node = self.groups.get(group_id)
        return (node and node.name) or self.rules.cached_name("group", group_id) or group_id

    # --- levels ------------------------------------------------------------------------------------
    def _store_verdict(self, store_id: str) -> _Verdict:
        verdict = self._store_verdicts.get(store_id)
        if verdict is None:
            own = self.rules.own("store", store_id)
            if own == "include":
                verdict = (R.INCLUDED, store_id, None)
            elif own == "exclude":
                verdict = (R.STORE_EXCLUDED, store_id, self._store_name(store_id))
            elif self.rules.modes["store"] == "include":
                verdict = (R.STORE_NOT_INCLUDED, None, None)
            else:
                verdict = (R.OK, None, None)
            self._store_verdicts[store_id] = verdict
        return verdict

    def nearest_group_rule(self, group_id: str) -> tuple[str, RuleMode] | None:
        """(id of the group holding it, mode) of the rule that decides a known group, or None; cycle-safe."""
        memo = self._nearest
        if group_id in memo:
            return memo[group_id]
        path: list[str] = []
        seen: set[str] = set()
        current = group_id
        result: tuple[str, RuleMode] | None = None
        while True:
            if current in memo:
                result = memo[current]
                break
            mode = self.rules.own("group", current)
            if mode is not None:
                result = (current, mode)
                memo[current] = result
                break
            # Nodes on the path have no rule of their own, so each of them inherits the same result —
            # also when the walk ends on a cycle (a repeated parent counts as «no further ancestor»).
            path.append(current)
            seen.add(current)
            parent = self.groups[current].parent_id
            if parent is None or parent not in self.groups or parent in seen:
                break
            current = parent
        for node in path:
            memo[node] = result
        return result

    def _group_verdict(self, group_id: str | None) -> _Verdict:
        """Group-level verdict; None or an unknown id means «outside any group»."""
        verdict = self._group_verdicts.get(group_id)
        if verdict is None:
            nearest = self.nearest_group_rule(group_id) if group_id in self.groups else None
            if nearest is not None and nearest[1] == "include":
                verdict = (R.INCLUDED if nearest[0] == group_id else R.OK, nearest[0], None)
            elif nearest is not None:
                verdict = (R.GROUP_EXCLUDED, nearest[0], self._group_name(nearest[0]))
            elif self.rules.modes["group"] == "include":
                verdict = (R.GROUP_NOT_INCLUDED, None, None)
            else:
                verdict = (R.OK, None, None)
            self._group_verdicts[group_id] = verdict
        return verdict

    # --- rows --------------------------------------------------------------------------------------
    def store(self, store_id: str) -> Decision:
        """Decision for a store row."""
        code, source, _ = self._store_verdict(store_id)
        return _decision("store", code, source, None)

    def group(self, group_id: str) -> Decision:
        """Decision for a (known) group row: its store must pass, then its own or inherited rule."""
        node = self.groups[group_id]
        code, source, name = self._store_verdict(node.store_id)
        if code not in R.PASSING_CODES:
            return _decision("group", code, source, name)
        code, source, name = self._group_verdict(group_id)
        own = source == group_id
        return _decision("group", code, source, None if own else name)

    def product(self, product: ProductNode) -> Decision:
        """Decision for a product row: store, then group, then the product's own rule."""
        group_key = product.group_id if product.group_id in self.groups else None
        own = self.rules.own("product", product.id)
        if own is None:
            key = (product.store_id, group_key)
            decision = self._product_memo.get(key)
            if decision is None:
                decision = self._product_memo[key] = self._product(
                    product.id, product.store_id, group_key, None
                )
            return decision
        return self._product(product.id, product.store_id, group_key, own)

    def _product(
        self, product_id: str, store_id: str, group_key: str | None, own: RuleMode | None
    ) -> Decision:
        for code, source, name in (self._store_verdict(store_id), self._group_verdict(group_key)):
            if code not in R.PASSING_CODES:
                return _decision("product", code, source, name)
        if own == "include":
            return _decision("product", R.INCLUDED, product_id, None)
        if own == "exclude":
            return _decision("product", R.PRODUCT_EXCLUDED, product_id, None)
        if self.rules.modes["product"] == "include":
            return _decision("product", R.PRODUCT_NOT_INCLUDED, None, None)
        return _decision("product", R.OK, None, None)

    def ancestors(self, group_id: str) -> list[str]:
        """Known ancestor group ids, nearest first; a repeated id (a cycle) ends the chain."""
        chain: list[str] = []
        seen = {group_id}
        parent = self.groups[group_id].parent_id
        while parent is not None and parent in self.groups and parent not in seen:
            chain.append(parent)
            seen.add(parent)
            parent = self.groups[parent].parent_id
        return chain


def _decision(row: EntityType, code: str, source: str | None, subject: str | None) -> Decision:
    return Decision(code in R.PASSING_CODES, code, R.reason_text(row, code, subject), source)


def evaluate(
    stores: Iterable[StoreNode],
    groups: Iterable[GroupNode],
    products: Iterable[ProductNode],
    rules: Iterable[Rule] | RuleSet,
) -> Evaluation:
    """Decide every store, group and product of a catalog under `rules`, with counts."""
    resolver = Resolver(stores, groups, rules)
    store_decisions = {store_id: resolver.store(store_id) for store_id in resolver.stores}
    group_decisions = {group_id: resolver.group(group_id) for group_id in resolver.groups}
    product_decisions: dict[str, Decision] = {}
    # [total, synced] per (store id, group id as given) — counted once per product, aggregated below.
    direct: defaultdict[tuple[str, str | None], list[int]] = defaultdict(lambda: [0, 0])
    decide = resolver.product
    for product in products:
        decision = product_decisions[product.id] = decide(product)
        tally = direct[(product.store_id, product.group_id)]
        tally[0] += 1
        if decision.syncs:
            tally[1] += 1
    return Evaluation(
        modes=dict(resolver.rules.modes),
        stores=store_decisions,
        groups=group_decisions,
        products=product_decisions,
        store_counts=_store_counts(resolver, direct),
        group_counts=_group_counts(resolver, direct),
    )


def _store_counts(resolver: Resolver, direct: _Tallies) -> dict[str, Counts]:
    totals = {store_id: [0, 0] for store_id in resolver.stores}
    for (store_id, _), (total, synced) in direct.items():
        tally = totals.setdefault(store_id, [0, 0])
        tally[0] += total
        tally[1] += synced
    return {store_id: Counts(total, synced) for store_id, (total, synced) in totals.items()}


def _group_counts(resolver: Resolver, direct: _Tallies) -> dict[str, Counts]:
    own = {group_id: [0, 0] for group_id in resolver.groups}
    for (_, group_id), (total, synced) in direct.items():
        if group_id in own:
            own[group_id][0] += total
            own[group_id][1] += synced
    totals = {group_id: [0, 0] for group_id in resolver.groups}
    # A group's products count for it and for each of its ancestors (walked once per group, not per product).
    for group_id, (total, synced) in own.items():
        if total:
            for holder in (group_id, *resolver.ancestors(group_id)):
                totals[holder][0] += total
                totals[holder][1] += synced
    return {group_id: Counts(total, synced) for group_id, (total, synced) in totals.items()}
