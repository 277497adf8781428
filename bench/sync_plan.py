"""Benchmark: planning a sync of 100,000 products (pure planner, no I/O) — target ≤ 2 s.

Run: ``.venv/bin/python bench/sync_plan.py [--products 100000]``. Times three plans: a first sync (empty
mapping), an unchanged re-sync (every item mapped with the same fields) and one with 1 % price changes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evosync.sync.engine.items import ItemSettings, SourceProduct, build_item
from evosync.sync.engine.planner import ACTIVE, Mapped, make_plan


def products(n: int, bump_every: int = 0) -> list[SourceProduct]:
    """``n`` products over 500 groups; every ``bump_every``-th gets a new price."""
    out = []
    for i in range(n):
        price = Decimal(100 + i % 900) + (1 if bump_every and i % bump_every == 0 else 0)
        out.append(
            SourceProduct(
                f"p{i:09d}",
                "s1",
                f"Товар номер {i}",
                price,
                f"g{i % 500}",
                f"Группа {i % 500}",
                Decimal(i % 50),
                "шт",
                i % 97 != 0,
                None,
                i % 7 == 0,
            )
        )
    return out


def main() -> None:
    """Time the three plans."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=100_000)
    args = parser.parse_args()
    settings = ItemSettings(category_id=1)
    catalog = products(args.products)
    albums = {f"g{i}": i + 1 for i in range(500)}
    t = time.perf_counter()
    first = make_plan(catalog, settings, {}, {})
    print(f"first sync plan:     {time.perf_counter() - t:.2f} s  {first.counts()}")
    mapped = {}
    for n, p in enumerate(catalog):
        item = build_item(p, settings)
        if hasattr(item, "fields"):
            sent = json.loads(json.dumps(item.fields))
            mapped[item.sku] = Mapped(
                item.sku, n + 1, ACTIVE, item.content_hash, sent, albums[item.album_key], item.photo_source
            )
    t = time.perf_counter()
    same = make_plan(catalog, settings, mapped, albums)
    print(
        f"unchanged plan:      {time.perf_counter() - t:.2f} s  {same.counts()} write calls {same.write_calls}"
    )
    changed = products(args.products, bump_every=100)
    t = time.perf_counter()
    some = make_plan(changed, settings, mapped, albums)
    print(
        f"1 % changed plan:    {time.perf_counter() - t:.2f} s  {some.counts()} write calls {some.write_calls}"
    )


if __name__ == "__main__":
    main()
