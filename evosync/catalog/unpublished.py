"""How many of the products the rules select are never published because VK forbids them (alcohol, beer,
tobacco by Evotor type; vapes, snus and the like by the name guess the refresh stored — docs/forbidden-goods.md).

The filter counts («38 из 38») are the rules' contract (docs/filters.md) and stay as they are; the store and
group rows and the summary add this count beside them, so a group of cigarettes that «syncs» says that none
of it reaches VK. Type and name guess change only with a refresh, so the forbidden products are counted per
(store, group) bucket once per catalog (``Forbidden``, kept with the snapshot's catalog part). A request
then corrects those counts by the merchant's overrides and the products with a rule of their own (a few,
each looked up once), and decides each bucket once: no scan over the products.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, func, or_, select

from evosync.catalog.models import CatalogProduct
from evosync.extensions import db
from evosync.goods import forbidden
from evosync.goods import service as goods_service
from evosync.rules import ProductNode, Resolver

# An id no rule can name (NUL is stripped from every stored id): a product with no rule of its own.
_ANY = "\x00"
# A catalog part remembers the facts of at most this many looked-up products (rules and overrides name them).
KEPT_FACTS = 10_000

Bucket = tuple[str, str | None]  # (store id, group id as stored)
# What the count needs of one product: (store id, group id, Evotor type, stored name guess).
Facts = tuple[str, str | None, str | None, str | None]


def _is_forbidden(p=CatalogProduct):
    """SQL: the product is forbidden before any override (what ``forbidden.classify_stored`` says)."""
    kind = func.upper(func.trim(p.type))
    typed = [kind.startswith(prefix, autoescape=True) for prefix, _ in forbidden.TYPE_PREFIXES]
    return or_(and_(p.name_guess.is_not(None), p.name_guess != ""), *typed)


@dataclass
class Forbidden:
    """One catalog's forbidden products per bucket, and the facts of the few products asked about."""

    buckets: dict[Bucket, int]
    facts: dict[str, Facts | None] = field(default_factory=dict)

    @classmethod
    def load(cls, user_id: int) -> Forbidden:
        p = CatalogProduct
        stmt = (
            select(p.store_id, p.group_id, func.count())
            .where(p.user_id == user_id, _is_forbidden())
            .group_by(p.store_id, p.group_id)
        )
        return cls({(s, g): n for s, g, n in db.session.execute(stmt)})

    def facts_of(self, user_id: int, ids: set[str]) -> dict[str, Facts]:
        """The facts of those products that are in the catalog (read once, then remembered)."""
        missing = [i for i in ids if i not in self.facts]
        found: dict[str, Facts] = {}
        if missing:
            p = CatalogProduct
            stmt = select(p.evotor_id, p.store_id, p.group_id, p.type, p.name_guess).where(
                p.user_id == user_id, p.evotor_id.in_(missing)
            )
            found = {i: (s, g, t, guess) for i, s, g, t, guess in db.session.execute(stmt)}
            if len(self.facts) + len(missing) <= KEPT_FACTS:
                self.facts.update({i: found.get(i) for i in missing})
        out = {}
        for product_id in ids:
            facts = self.facts[product_id] if product_id in self.facts else found.get(product_id)
            if facts is not None:
                out[product_id] = facts
        return out


@dataclass
class Unpublished:
    """Selected products that are never published, per store, per group (with its subgroups) and in all."""

    stores: dict[str, int] = field(default_factory=dict)
    groups: dict[str, int] = field(default_factory=dict)
    total: int = 0

    def store(self, store_id: str) -> int:
        return self.stores.get(store_id, 0)

    def group(self, group_id: str) -> int:
        return self.groups.get(group_id, 0)

    def add(self, resolver: Resolver, store_id: str, group_id: str | None, n: int) -> None:
        self.total += n
        self.stores[store_id] = self.stores.get(store_id, 0) + n
        if group_id in resolver.groups:
            for holder in (group_id, *resolver.ancestors(group_id)):
                self.groups[holder] = self.groups.get(holder, 0) + n


def count(user_id: int, resolver: Resolver, known: Forbidden, ruled: list[str]) -> Unpublished:
    """The selected products the goods rules forbid, after the merchant's overrides; ``ruled`` are the ids of
    the products with a rule of their own."""
    allowed = goods_service.overridden(user_id)
    facts = known.facts_of(user_id, allowed | set(ruled)) if allowed or ruled else {}
    buckets = dict(known.buckets)
    for product_id in allowed:
        got = facts.get(product_id)
        # An overridden name guess is published; a type verdict stays (classify_stored).
        if got is not None and got[3] and forbidden.by_type(got[2]) is None:
            buckets[got[:2]] = buckets.get(got[:2], 0) - 1
    decided: dict[Bucket, bool] = {}

    def bucket_syncs(bucket: Bucket) -> bool:
        if bucket not in decided:
            decided[bucket] = resolver.product(ProductNode(_ANY, *bucket)).syncs
        return decided[bucket]

    result = Unpublished()
    for bucket, n in buckets.items():
        if n > 0 and bucket_syncs(bucket):
            result.add(resolver, *bucket, n)
    # A product with its own rule may decide unlike its bucket: move it.
    for product_id in set(ruled):
        got = facts.get(product_id)
        if got is None or forbidden.classify_stored(got[2], got[3], product_id in allowed) is None:
            continue
        own = resolver.product(ProductNode(product_id, got[0], got[1])).syncs
        if own != bucket_syncs(got[:2]):
            result.add(resolver, got[0], got[1], 1 if own else -1)
    return result
