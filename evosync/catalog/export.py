"""CSV export of every cached product with its filter decision (docs/filters.md), streamed row batch by row batch."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from decimal import Decimal

from sqlalchemy import Text, cast, func, select

from evosync.bulk import driver_batches
from evosync.catalog.decisions import Snapshot
from evosync.catalog.models import CatalogProduct
from evosync.extensions import db
from evosync.goods import forbidden
from evosync.goods import service as goods_service
from evosync.rules import reasons as R

HEADER = (
    "Магазин",
    "Группа",
    "Товар",
    "ID товара",
    "Артикул",
    "Штрихкоды",
    "Цена",
    "Остаток",
    "Ед. изм.",
    "Синхронизируется",
    "Причина",
)
BATCH = 2000
# A spreadsheet reads a cell starting with one of these as a formula (CSV injection); a leading ' stops it.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\x00")


def neutralise(value: str) -> str:
    """Prefix a text cell that a spreadsheet would run as a formula with an apostrophe."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def number(value: Decimal | float | str | None) -> str:
    """A decimal as Russian Excel reads it (comma separator, no trailing zeros); '' when unknown.

    SQLite's driver gives a NUMERIC(18, 4) column as a float or an int: it is read at the column's four
    places, as SQLAlchemy would turn it into a Decimal. The export reads PostgreSQL's numerics as their
    text («149.9000»), which is what ``format(Decimal, "f")`` gives."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value
    else:
        text = format(value, "f") if isinstance(value, Decimal) else f"{value:.4f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def line_writer() -> Callable[[tuple[str, ...]], str]:
    """A function giving one CSV row of text cells as the export's dialect writes it (``;``, CRLF, quotes
    only where needed). Most rows need no quoting: those are joined directly, at a quarter of the csv
    module's cost per row; a row with a ``;``, ``"`` or line break in a cell goes through ``csv.writer``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")

    def line(cells: tuple[str, ...]) -> str:
        text = ";".join(cells)
        # (A lone empty cell is quoted by the csv module, so an empty text goes there too.)
        plain = text and text.count(";") == len(cells) - 1
        if plain and '"' not in text and "\n" not in text and "\r" not in text:
            return text + "\r\n"
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(cells)
        return buffer.getvalue()

    return line


def group_paths(snapshot: Snapshot) -> dict[str, str]:
    """«Parent / Child» path of every known group."""
    resolver = snapshot.resolver
    return {
        gid: " / ".join(resolver.groups[g].name for g in [*reversed(resolver.ancestors(gid)), gid])
        for gid in resolver.groups
    }


def _sync_columns(fixed: tuple[str, str, str, str], verdict: forbidden.Verdict | None) -> tuple[str, str]:
    """«Синхронизируется» and «Причина»: a forbidden product is never published, whatever the rules say."""
    return ("нет", verdict.reason) if verdict is not None else (fixed[2], fixed[3])


def csv_lines(snapshot: Snapshot) -> Iterator[str]:
    """Yield the CSV text (BOM first) in batches; memory stays flat whatever the catalog size.

    The rows stream from the driver's cursor (a server-side one on PostgreSQL) as plain tuples; the store,
    group path and decision columns are built once per (store, group, stored decision) and reused.
    """
    line = line_writer()
    yield "\ufeff" + line(HEADER)
    current = snapshot.decided
    ruled = {r.entity_id for r in snapshot.rules if r.entity_type == "product"}
    cells = _Cells(snapshot, current)
    allowed = goods_service.overridden(snapshot.user_id)
    # Driver tuples straight from the cursor (a server-side one on PostgreSQL), no Row objects.
    batches = driver_batches(db.session, _export_query(snapshot.user_id), BATCH)
    # Local names: this loop runs once per product. Quantities repeat a lot: their cells are cached. The
    # forbidden-goods verdict comes from the name guess the refresh stored: no name pattern runs here.
    fixed_for, starts, quantities = cells.fixed, _STARTS, {}
    classify = forbidden.classify_stored
    for batch in batches:
        lines = []
        for pid, store, group, name, article, barcodes, price, qty, unit, code, source, kind, guess in batch:
            fixed = fixed_for(pid, store, group, code, source, pid in ruled)
            syncs, reason = _sync_columns(fixed, classify(kind, guess, pid in allowed))
            article = article or ""
            unit = unit or ""
            quantity = quantities.get(qty)
            if quantity is None:
                quantity = quantities[qty] = number(qty)
            lines.append(
                line(
                    (
                        fixed[0],
                        fixed[1],
                        "'" + name if name[:1] in starts else name,
                        "'" + pid if pid[:1] in starts else pid,
                        "'" + article if article[:1] in starts else article,
                        neutralise(barcodes.replace(" ", ", ")),
                        price,
                        quantity,
                        "'" + unit if unit[:1] in starts else unit,
                        syncs,
                        reason,
                    )
                )
            )
        yield "".join(lines)


_STARTS = frozenset(FORMULA_STARTS)


def _export_query(user_id: int):
    p = CatalogProduct
    quantity = p.quantity
    if db.session.get_bind().dialect.name == "postgresql":
        # The numeric's own text ("149.9000"): what number() makes of its Decimal, without building one.
        quantity, fixed = cast(quantity, Text), cast(p.price, Text)
    else:
        # The driver's float at the column's four places, as number() formats it.
        fixed = func.printf("%.4f", p.price)
    # The price cell itself, as number() writes it (most prices differ: no cache serves them): a scale-4
    # text always has its point, so trailing zeros and then a bare point go, and the point becomes a comma.
    price = func.replace(func.rtrim(func.rtrim(fixed, "0"), "."), ".", ",")
    columns = (p.evotor_id, p.store_id, p.group_id, p.name, p.article_number, p.barcodes, price)
    more = (quantity, p.measure_name, p.decision_code, p.decision_source, p.type, p.name_guess)
    return select(*columns, *more).where(p.user_id == user_id).order_by(p.id)


class _Cells:
    """The store, group path, «да/нет» and reason cells, cached per (store, group, stored decision)."""

    def __init__(self, snapshot: Snapshot, current: bool) -> None:
        self.snapshot, self.current = snapshot, current
        self.stores = {s.evotor_id: s.name for s in snapshot.stores}
        self.paths = group_paths(snapshot)
        self.cache: dict[tuple, tuple[str, str, str, str]] = {}

    def fixed(self, pid, store, group, code, source, ruled: bool) -> tuple[str, str, str, str]:
        """The four cells of a product: from the stored decision when current, else from the engine."""
        if self.current:
            key: tuple | None = (store, group, code, source)
        else:
            key = None if ruled else (store, group)
        found = self.cache.get(key) if key is not None else None
        if found is not None:
            return found
        snap = self.snapshot
        if self.current:
            decision = snap.resolver.stored_product(code, source)
        else:
            decision = snap.product(pid, store, group)
        no_rules = not snap.rules  # nothing syncs until a rule is set, as the catalog page says
        found = (
            neutralise(self.stores.get(store, store)),
            neutralise(self.paths.get(group, "") if group else ""),
            "да" if decision.syncs and not no_rules else "нет",
            R.NO_RULES_ROW if no_rules else neutralise(decision.reason),
        )
        if key is not None:
            self.cache[key] = found
        return found
