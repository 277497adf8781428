"""CSV export of every cached product with its filter decision (docs/filters.md), streamed row batch by row batch."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal

from sqlalchemy import select

from evosync.catalog.decisions import Snapshot
from evosync.catalog.models import CatalogProduct
from evosync.extensions import db

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


def number(value: Decimal | None) -> str:
    """A decimal as Russian Excel reads it (comma separator, no trailing zeros); '' when unknown."""
    if value is None:
        return ""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def group_paths(snapshot: Snapshot) -> dict[str, str]:
    """«Parent / Child» path of every known group."""
    resolver = snapshot.resolver
    return {
        gid: " / ".join(resolver.groups[g].name for g in [*reversed(resolver.ancestors(gid)), gid])
        for gid in resolver.groups
    }


def csv_lines(snapshot: Snapshot) -> Iterator[str]:
    """Yield the CSV text (BOM first) in batches; memory stays flat whatever the catalog size."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    yield "\ufeff"
    writer.writerow(HEADER)
    stores = {s.evotor_id: s.name for s in snapshot.stores}
    paths = group_paths(snapshot)
    p = CatalogProduct
    stmt = (
        select(
            p.evotor_id,
            p.store_id,
            p.group_id,
            p.name,
            p.article_number,
            p.barcodes,
            p.price,
            p.quantity,
            p.measure_name,
        )
        .where(p.user_id == snapshot.user_id)
        .order_by(p.id)
        .execution_options(yield_per=BATCH)
    )
    # Products without a rule of their own decide per (store, group): one engine call per bucket.
    ruled = {r.entity_id for r in snapshot.rules if r.entity_type == "product"}
    buckets: dict[tuple[str, str | None], tuple[str, str, str, str]] = {}
    for count, row in enumerate(db.session.execute(stmt), 1):
        key = (row.store_id, row.group_id)
        fixed = buckets.get(key) if row.evotor_id not in ruled else None
        if fixed is None:
            decision = snapshot.product(row.evotor_id, row.store_id, row.group_id)
            fixed = (
                neutralise(stores.get(row.store_id, row.store_id)),
                neutralise(paths.get(row.group_id, "") if row.group_id else ""),
                "да" if decision.syncs else "нет",
                neutralise(decision.reason),
            )
            if row.evotor_id not in ruled:
                buckets[key] = fixed
        writer.writerow(
            (
                fixed[0],
                fixed[1],
                neutralise(row.name),
                neutralise(row.evotor_id),
                neutralise(row.article_number or ""),
                neutralise(row.barcodes.replace(" ", ", ")),
                number(row.price),
                number(row.quantity),
                neutralise(row.measure_name or ""),
                fixed[2],
                fixed[3],
            )
        )
        if count % BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
