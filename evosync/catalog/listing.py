"""The products list: search, store/group/decision filters, sorting and pagination, all in SQL.

Search is a substring match over the normalised search text (casefolded, ё = е), served by a trigram index
on both databases; sorts use the per-sort indexes; deep pages follow a keyset cursor (docs/catalog.md)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    Text,
    cast,
    column,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    table,
    tuple_,
    union_all,
)
from sqlalchemy.dialects import postgresql

from evosync.catalog.decisions import Snapshot
from evosync.catalog.models import CatalogProduct
from evosync.catalog.refresh import normalise
from evosync.catalog.stored import synced_condition
from evosync.extensions import db

PER_PAGE = 50
COUNT_CAP = 10_000
# A search counts its matches only this far («более 1000»): the count is a pass over the matches.
SEARCH_COUNT_CAP = 1000
MAX_QUERY = 200
# Each sort is (column, descending); ties break on id in the same direction, so an index serves both
# directions and the keyset cursor is (value, id). Empty articles / quantities come last on both databases.
SORT_KEYS = {
    "name": (CatalogProduct.name_key, False),
    "-name": (CatalogProduct.name_key, True),
    "article": (CatalogProduct.article_number, False),
    "price": (CatalogProduct.price, False),
    "-price": (CatalogProduct.price, True),
    "quantity": (CatalogProduct.quantity, False),
    "-quantity": (CatalogProduct.quantity, True),
}
SORTS = SORT_KEYS
# Sorts over a column that is never empty can page by keyset (the column's value and id of the last row).
KEYSET_SORTS = ("name", "-name", "price", "-price")
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
    # Keyset cursor: the id of the last row of the previous page (the page number stays for people).
    after: int = 0

    @classmethod
    def from_args(cls, args) -> ProductQuery:
        """Parse request args (never fails: bad values become defaults)."""
        status = args.get("status", "")
        sort = args.get("sort", "name")
        try:
            page = max(1, min(int(args.get("page", 1)), 1_000_000))
        except (TypeError, ValueError):
            page = 1
        try:
            after = max(0, min(int(args.get("after", 0)), 2**62))
        except (TypeError, ValueError):
            after = 0
        return cls(
            q=_clean(args.get("q"), MAX_QUERY),
            store=_clean(args.get("store"), 255),
            group=_clean(args.get("group"), 255),
            status=status if status in STATUSES else "",
            sort=sort if sort in SORTS else "name",
            page=page,
            after=after,
        )

    def args(self, **changes) -> dict:
        """URL args for this query with ``changes`` applied (empty values dropped)."""
        # A cursor belongs to one page: any other change drops it unless it brings its own.
        values = {**self.__dict__, "after": 0, **changes}
        return {k: v for k, v in values.items() if v and not (k == "page" and v == 1)}


@dataclass
class ProductPage:
    """One page of products and what the pager needs."""

    rows: list = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 1
    capped: bool = False

    @property
    def more(self) -> bool:
        """True when there are more matches than were counted."""
        return self.capped

    @property
    def next_after(self) -> int:
        """The keyset cursor of the next page (0 when the sort cannot page by keyset)."""
        return self.rows[-1].id if self.rows else 0


def _order(sort: str, entity=CatalogProduct) -> list:
    column, desc = SORT_KEYS[sort]
    column, ids = getattr(entity, column.key), entity.id
    if desc:
        return [column.desc().nulls_first(), ids.desc()]
    return [column.asc().nulls_last(), ids.asc()]


# Taken out of the search text and the query for PostgreSQL's second trigram index (its migration holds the
# same characters; none is a quote, so the set is written inline in SQL as the index expression is).
SEPARATORS = " -./,:;()«»+#№*_"
_WITHOUT_SEPARATORS = str.maketrans("", "", SEPARATORS)
# SQLite's FTS5 tables, kept in step with catalog_products by triggers (docs/catalog.md): the trigram
# table over the search text, and the words of the barcodes.
_FTS = table("catalog_products_fts", column("rowid", Integer), column("catalog_products_fts"))
_BARCODES = table("catalog_barcodes_fts", column("rowid", Integer), column("catalog_barcodes_fts"))


def _phrase(fts, text_: str) -> ColumnElement[bool]:
    """FTS5: ``text_`` as one quoted phrase (a substring, in the trigram table)."""
    return getattr(fts.c, fts.name).op("MATCH")('"' + text_.replace('"', '""') + '"')


def _indexed(needle: str) -> bool:
    """True when SQLite answers the search from its FTS5 table (three letters make a trigram)."""
    return len(needle) >= 3 and db.engine.dialect.name == "sqlite"


def _user_unindexed(where: list) -> list:
    """``where`` with its user condition (the first) made unusable as an index on SQLite («+ 0»): SQLite then
    starts from the (few) FTS matches instead of walking every product of the user and probing them."""
    return [(CatalogProduct.user_id + 0) == where[0].right, *where[1:]]


def _matching(stmt: Select, where: list, needle: str) -> Select:
    """``stmt`` (over catalog_products) limited to ``where`` and the products whose search text holds
    ``needle``: the FTS5 trigram table on SQLite, the pg_trgm GIN index on PostgreSQL (one or two letters
    are too short for any trigram: a scan)."""
    p = CatalogProduct
    if _indexed(needle):
        return stmt.join(_FTS, _FTS.c.rowid == p.id).where(_phrase(_FTS, needle), *_user_unindexed(where))
    joined = needle.translate(_WITHOUT_SEPARATORS)
    if joined != needle and len(joined) >= 3 and db.engine.dialect.name == "postgresql":
        # Implied by the match (deleting the same characters from both sides keeps a substring one), and
        # served by the trigram index over the text without separators, whose trigrams span them: far
        # fewer products to read and reject than the per-word trigrams find (docs/catalog.md). The match
        # itself is then a strpos, which no index serves, so the planner cannot pick the per-word one.
        text_joined = func.translate(p.search_text, literal_column(f"'{SEPARATORS}'"), literal_column("''"))
        match = [text_joined.contains(joined, autoescape=True), func.strpos(p.search_text, needle) > 0]
    else:
        match = [p.search_text.contains(needle, autoescape=True)]
    return stmt.where(*where, *match)


def _exact(where: list, raw: str, needle: str, order: list) -> list[CatalogProduct]:
    """The matches (search text holding ``needle``) whose article, code or one of whose barcodes is exactly
    ``raw``, each an index lookup (docs/catalog.md). Evotor barcodes never contain spaces, so a query with
    one names none."""
    p = CatalogProduct
    lookups = [p.article_number == raw, p.code == raw]
    token = func.instr(literal(" ") + p.barcodes + literal(" "), f" {raw} ") > 0
    postgresql_ = db.engine.dialect.name == "postgresql"
    # Tested on the few rows found, never an index: an exact key is in the search text, so this only
    # keeps the two lists of a search (exact, the rest) inside the matches it counts.
    holds = (func.strpos if postgresql_ else func.instr)(p.search_text, needle) > 0
    if postgresql_ and " " not in raw:
        # The GIN index over the barcode tokens (its very expression, the separator inline).
        tokens = func.string_to_array(p.barcodes, literal_column("' '"))
        lookups.append(tokens.op("@>")(cast(postgresql.array([raw]), postgresql.ARRAY(Text))))
    if postgresql_:
        # One bitmap scan over the three indexes.
        return list(db.session.scalars(select(p).where(*where, or_(*lookups), holds).order_by(*order)))
    # SQLite plans an OR of index lookups as a scan of the user's products: a union of lookups instead.
    ids = [select(p.id).where(*where, lookup) for lookup in lookups]
    if " " not in raw:
        if any(ch.isalnum() for ch in raw):
            # The barcodes' FTS5 words: the few products with ``raw``'s words in a barcode, then exactly.
            found = select(_BARCODES.c.rowid).where(_phrase(_BARCODES, raw))
            ids.append(select(p.id).where(p.id.in_(found), *_user_unindexed(where), token))
        else:
            ids.append(select(p.id).where(*where, token))
    return list(db.session.scalars(select(p).where(p.id.in_(union_all(*ids)), holds).order_by(*order)))


def _ranked(
    where: list, query: ProductQuery, page: int
) -> tuple[list[CatalogProduct], tuple[int, bool] | None]:
    """One page of a search: exact article/code/barcode matches first (a handful, from their indexes), then
    the other matches in the chosen order; with (matches, capped) when the same statement counted them
    (None when the page took no other match, so nothing was counted)."""
    p = CatalogProduct
    raw, needle = query.q.strip(), normalise(query.q)
    start = (page - 1) * PER_PAGE
    first = _exact(where, raw, needle, _order(query.sort))
    rows = first[start : start + PER_PAGE]
    wanted = PER_PAGE - len(rows)
    if not wanted:
        return rows, None
    others = [*where, p.id.not_in([row.id for row in first])] if first else where
    # The matches' ids and sort keys only (narrow rows sort faster), the page's 50 rows joined after.
    keys = _matching(select(p.id, SORT_KEYS[query.sort][0]), others, needle)
    if len(needle) >= 3 and db.engine.dialect.name == "postgresql":
        # OFFSET 0 keeps PostgreSQL sorting the trigram index's matches instead of walking the sort's index
        # and filtering: slow when the matches sit at its far end, as «чай» does.
        keys = keys.offset(0)
    keys = keys.subquery()
    top = select(keys).order_by(*_order(query.sort, keys.c)).limit(wanted).offset(max(0, start - len(first)))
    top = top.subquery()
    # The count rides along as a scalar subquery (evaluated once): one round trip less than asking apart.
    counted = _counted(where, needle, SEARCH_COUNT_CAP).label("matches")
    rest = select(p, counted).join(top, top.c.id == p.id).order_by(*_order(query.sort, top.c))
    found = db.session.execute(rest).all()
    if not found:
        return rows, None
    matches = found[0].matches
    return rows + [row for row, _ in found], (matches, matches > SEARCH_COUNT_CAP)


def _counted(where: list, needle: str, cap: int):
    """The number of products matching ``where`` (and holding ``needle`` when given), counted up to ``cap``
    and one past it: a scalar subquery."""
    ids = select(CatalogProduct.id)
    ids = _matching(ids, where, needle) if needle else ids.where(*where)
    return select(func.count()).select_from(ids.limit(cap + 1).subquery()).scalar_subquery()


def _total(snapshot: Snapshot, query: ProductQuery, where: list) -> tuple[int, bool]:
    """(matches, capped): the stored counts when there is no search, else a count stopped at COUNT_CAP."""
    counts = None
    if not query.q and not (query.store and query.group):
        if query.group:
            counts = snapshot.group_count(query.group)
        elif query.store:
            counts = snapshot.store_count(query.store)
        else:
            counts = snapshot.total
    if counts is not None:
        synced = {"": counts.total, "synced": counts.synced, "excluded": counts.total - counts.synced}
        return synced[query.status], False
    cap = SEARCH_COUNT_CAP if query.q else COUNT_CAP
    total = db.session.scalar(select(_counted(where, normalise(query.q) if query.q else "", cap))) or 0
    return total, total > cap


def _keyset(query: ProductQuery, where: list) -> list | None:
    """The condition «after the cursor row» for a keyset page, or None (offset paging)."""
    if not query.after or query.q or query.sort not in KEYSET_SORTS or query.page <= 1:
        return None
    p = CatalogProduct
    column, desc = SORT_KEYS[query.sort]
    anchor = db.session.execute(select(column, p.id).where(*where, p.id == query.after)).first()
    if anchor is None:
        return None
    value = tuple_(column, p.id)
    return [value < tuple(anchor) if desc else value > tuple(anchor)]


def _page_rows(where: list, query: ProductQuery, page: int) -> list[CatalogProduct]:
    """One page without a search: the rows straight from the sort's index on page 1 and keyset pages;
    past an offset, the ids first (an index-only walk past the skipped rows), then the 50 rows."""
    p = CatalogProduct
    keyset = _keyset(query, where)
    order = _order(query.sort)
    if keyset or page == 1:
        return list(
            db.session.scalars(select(p).where(*where, *(keyset or [])).order_by(*order).limit(PER_PAGE))
        )
    ids = select(p.id).where(*where).order_by(*order).limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    return _rows(list(db.session.scalars(ids)))


def _rows(ids: list[int]) -> list[CatalogProduct]:
    """The products with these ids, in this order."""
    p = CatalogProduct
    found = {row.id: row for row in db.session.scalars(select(p).where(p.id.in_(ids)))} if ids else {}
    return [found[i] for i in ids if i in found]


def product_page(snapshot: Snapshot, query: ProductQuery) -> ProductPage:
    """Select one page of the user's products matching ``query``; decisions are left to the caller."""
    p = CatalogProduct
    where = [p.user_id == snapshot.user_id]
    if query.store:
        where.append(p.store_id == query.store)
    if query.group:
        where.append(p.group_id.in_(snapshot.subtree(query.group)))
    if query.status:
        synced = synced_condition(snapshot)
        where.append(synced if query.status == "synced" else not_(synced))
    rows, counted = _ranked(where, query, query.page) if query.q else (None, None)
    if query.page == 1 and rows is not None and len(rows) < PER_PAGE:
        # The first page of a search holds every match (an article, a barcode): nothing left to count.
        total, capped = len(rows), False
    else:
        total, capped = counted or _total(snapshot, query, where)
    pages = max(1, -(-total // PER_PAGE))
    # Past the counting cap the exact page count is unknown, so any page number is allowed.
    page = query.page if capped else min(query.page, pages)
    if not query.q:
        rows = _page_rows(where, query, page)
    elif page != query.page:
        # A page past the last one shows the last.
        rows, _ = _ranked(where, query, page)
    if capped:
        pages = page + 1 if len(rows) == PER_PAGE else page
    return ProductPage(rows, total, page, pages, capped)
