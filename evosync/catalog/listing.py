"""The products list: search, store/group/decision filters, sorting and pagination, all in SQL."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, not_, select

from evosync.catalog.decisions import Snapshot
from evosync.catalog.models import CatalogProduct
from evosync.extensions import db

PER_PAGE = 50
COUNT_CAP = 10_000
MAX_QUERY = 200
SORTS = {
    "name": (CatalogProduct.name.asc(),),
    "-name": (CatalogProduct.name.desc(),),
    "article": (CatalogProduct.article_number.asc(),),
    "price": (CatalogProduct.price.asc(),),
    "-price": (CatalogProduct.price.desc(),),
    "quantity": (CatalogProduct.quantity.asc(),),
    "-quantity": (CatalogProduct.quantity.desc(),),
}
SORT_LABELS = {
    "name": "по названию (А→Я)",
    "-name": "по названию (Я→А)",
    "article": "по артикулу",
    "price": "сначала дешёвые",
    "-price": "сначала дорогие",
    "quantity": "по остатку (меньше)",
    "-quantity": "по остатку (больше)",
}
STATUSES = {"": "все товары", "synced": "только синхронизируемые", "excluded": "только исключённые"}


def _clean(value: str | None, limit: int) -> str:
    return (value or "").replace("\x00", "").strip()[:limit]


@dataclass
class ProductQuery:
    """The products list's parameters, parsed leniently: odd values fall back to the defaults."""

    q: str = ""
    store: str = ""
    group: str = ""
    status: str = ""
    sort: str = "name"
    page: int = 1

    @classmethod
    def from_args(cls, args) -> ProductQuery:
        """Parse request args (never fails: bad values become defaults)."""
        status = args.get("status", "")
        sort = args.get("sort", "name")
        try:
            page = max(1, min(int(args.get("page", 1)), 1_000_000))
        except (TypeError, ValueError):
            page = 1
        return cls(
            q=_clean(args.get("q"), MAX_QUERY),
            store=_clean(args.get("store"), 255),
            group=_clean(args.get("group"), 255),
            status=status if status in STATUSES else "",
            sort=sort if sort in SORTS else "name",
            page=page,
        )

    def args(self, **changes) -> dict:
        """URL args for this query with ``changes`` applied (empty values dropped)."""
        values = {**self.__dict__, **changes}
        return {k: v for k, v in values.items() if v and not (k == "page" and v == 1)}


@dataclass
class ProductPage:
    """One page of products and what the pager needs."""

    rows: list = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 1

    @property
    def more(self) -> bool:
        """True when there are more matches than were counted."""
        return self.total > COUNT_CAP


def product_page(snapshot: Snapshot, query: ProductQuery) -> ProductPage:
    """Select one page of the user's products matching ``query``; decisions are left to the caller."""
    p = CatalogProduct
    where = [p.user_id == snapshot.user_id]
    if query.store:
        where.append(p.store_id == query.store)
    if query.group:
        where.append(p.group_id.in_(snapshot.subtree(query.group)))
    if query.q:
        where.append(p.search_text.contains(query.q.casefold(), autoescape=True))
    if query.status:
        synced = snapshot.synced_clause()
        where.append(synced if query.status == "synced" else not_(synced))
    # Counting stops at COUNT_CAP: past that the pager says «более …» instead of scanning everything.
    capped = select(p.id).where(*where).limit(COUNT_CAP + 1).subquery()
    total = db.session.scalar(select(func.count()).select_from(capped)) or 0
    pages = max(1, -(-total // PER_PAGE))
    # Past the counting cap the exact page count is unknown, so any page number is allowed.
    page = query.page if total > COUNT_CAP else min(query.page, pages)
    stmt = (
        select(p)
        .where(*where)
        .order_by(*SORTS[query.sort], p.id)
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    )
    rows = list(db.session.scalars(stmt))
    if total > COUNT_CAP:
        pages = page + 1 if len(rows) == PER_PAGE else page
    return ProductPage(rows, total, page, pages)
