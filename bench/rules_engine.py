"""Benchmark: filter decisions for 100,000 products in 2 stores and ~1,000 nested groups.

Run: .venv/bin/python bench/rules_engine.py [--products N] [--groups N] [--repeat 5] [--seed 1]
Prints, per rule scenario, the best and median wall time of `evaluate` (all decisions and counts).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from evosync.rules import GroupNode, ProductNode, Rule, StoreNode, evaluate


def build_catalog(rng: random.Random, n_products: int, n_groups: int):
    """Two stores, a random forest of nested groups per store, products mostly in groups."""
    stores = [StoreNode("store-1", "Центральный"), StoreNode("store-2", "Заречный")]
    groups: list[GroupNode] = []
    for i in range(n_groups):
        store_id = stores[i % 2].id
        same_store = [g.id for g in groups[-200:] if g.store_id == store_id]
        parent = rng.choice(same_store) if same_store and rng.random() < 0.8 else None
        groups.append(GroupNode(f"group-{i}", store_id, f"Группа {i}", parent))
    by_store = {s.id: [g.id for g in groups if g.store_id == s.id] for s in stores}
    products = []
    for i in range(n_products):
        store_id = stores[i % 2].id
        roll = rng.random()
        group_id = None if roll < 0.05 else "group-gone" if roll < 0.06 else rng.choice(by_store[store_id])
        products.append(ProductNode(f"product-{i}", store_id, group_id, f"Товар {i}"))
    return stores, groups, products


def scenarios(rng: random.Random, groups, products) -> dict[str, list[Rule]]:
    """Rule sets that exercise every mode; ids drawn at random from the catalog."""
    group_ids = [g.id for g in groups]
    product_ids = [p.id for p in products]

    def pick(kind, ids, k, mode):
        return [Rule(kind, i, mode) for i in rng.sample(ids, k)]

    return {
        "no rules": [],
        "store include + 20 group excludes": [
            Rule("store", "store-1", "include"),
            *pick("group", group_ids, 20, "exclude"),
        ],
        "30 group includes, 30 group excludes": [
            *pick("group", group_ids, 30, "include"),
            *pick("group", group_ids, 30, "exclude"),
        ],
        "1,000 product includes": pick("product", product_ids, 1000, "include"),
        "mixed: all types, 5,000 product excludes": [
            Rule("store", "store-2", "exclude"),
            *pick("group", group_ids, 10, "include"),
            *pick("group", group_ids, 10, "exclude"),
            *pick("product", product_ids, 5000, "exclude"),
        ],
    }


def time_it(stores, groups, products, rules, repeat: int) -> tuple[list[float], int]:
    """Wall times of `repeat` evaluations and the number of products that sync."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = evaluate(stores, groups, products, rules)
        times.append(time.perf_counter() - start)
    return times, len(result.synced_product_ids())


def report(name: str, times: list[float], synced: int) -> None:
    """One line: best and median in ms."""
    print(
        f"{name:<42} best {min(times) * 1000:7.1f} ms  median {statistics.median(times) * 1000:7.1f} ms"
        f"  ({synced} products sync)"
    )


def main() -> None:
    """Build the catalog, time `evaluate` per scenario and print best / median."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    stores, groups, products = build_catalog(rng, args.products, args.groups)
    print(
        f"catalog: {len(stores)} stores, {len(groups)} groups, {len(products)} products; best/median of {args.repeat}"
    )
    for name, rules in scenarios(rng, groups, products).items():
        report(name, *time_it(stores, groups, products, rules, args.repeat))
    # Worst case for ancestor walks: every group nested in the previous one.
    chain = [
        GroupNode(f"group-{i}", "store-1", "", f"group-{i - 1}" if i else None) for i in range(args.groups)
    ]
    flat = [ProductNode(p.id, "store-1", f"group-{i % args.groups}") for i, p in enumerate(products)]
    report(
        "one chain of nested groups, exclude root",
        *time_it(stores[:1], chain, flat, [Rule("group", "group-0", "exclude")], args.repeat),
    )


if __name__ == "__main__":
    main()
