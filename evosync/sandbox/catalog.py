"""The deterministic demo Evotor catalog: fixed edge cases plus products generated on the fly from a seed.

Products are never bulk-stored: product ``i`` of a store is a pure function of (seed, store, i), so a
100,000-product catalog costs nothing until a page of it is read. Test mutations (price changes, deletions,
additions) live in the ``product_overrides`` table and are laid over the generated sequence.
"""

from __future__ import annotations

import json
import random
import sqlite3

USER_ID = "01-000000000012345"
STORE_1 = "20240115-3A7C-4B2E-80D1-6F2A9C4E1B01"
STORE_2 = "20240320-9D41-40E5-80A7-1C8B5E2F7A02"
PRODUCT_PREFIX = {STORE_1: "c3a4b5d6-0001-4c8d-9e3f-", STORE_2: "d4b5c6e7-0002-4d9e-8f4a-"}
ORPHAN_PARENT = "deadbeef-0000-4000-8000-000000000000"
TS = "2024-01-15T08:00:00.000+0000"

STORES = [
    {"id": STORE_1, "name": "Кофейня «Ёжик» на Ленина", "address": "Россия, г. Казань, ул. Ленина, 12"},
    {"id": STORE_2, "name": "Склад №2"},
]


def _gid(store: str, n: int) -> str:
    return ("a1f0c2d4-1111-4a6b-9c1d-" if store == STORE_1 else "b2e1d3c5-2222-4b7c-8d2e-") + f"{n:012d}"


# (store, n, name, parent n or None, measure, kinds of goods used by the generator)
_GROUPS = [
    (STORE_1, 1, "Напитки", None),
    (STORE_1, 2, "Соки и морсы", 1),
    (STORE_1, 6, "Горячие напитки", 1),
    (STORE_1, 7, "Кофе", 6),
    (STORE_1, 3, "Выпечка", None),
    (STORE_1, 4, "Пустая группа", None),
    (STORE_1, 5, "Футболки (модификации)", None),
    (STORE_1, 8, "Табак", None),
    (STORE_1, 9, "Десерты", None),
    (STORE_2, 1, "Услуги", None),
    (STORE_2, 2, "Бакалея", None),
    (STORE_2, 3, "Крупы", 2),
    (STORE_2, 4, "Табак", None),
]

# Words the generator combines into Russian product names, per group.
_NAMES = {
    _gid(STORE_1, 1): (["Вода", "Лимонад", "Квас", "Тоник"], ["0,33 л", "0,5 л", "1 л"]),
    _gid(STORE_1, 2): (
        ["Сок яблочный", "Сок вишнёвый", "Морс брусничный", "Нектар персиковый"],
        ["0,2 л", "1 л"],
    ),
    _gid(STORE_1, 7): (
        ["Кофе Арабика", "Кофе Робуста", "Эспрессо-смесь", "Кофе без кофеина"],
        ["250 г", "1 кг"],
    ),
    _gid(STORE_1, 6): (["Чай чёрный", "Чай зелёный", "Какао", "Капучино"], ["200 мл", "400 мл"]),
    _gid(STORE_1, 3): (["Круассан", "Булочка с корицей", "Пирожок с капустой", "Слойка"], ["", "большой"]),
    _gid(STORE_1, 8): (["Сигареты «Ява»", "Табак трубочный", "Сигариллы"], ["20 шт", "50 г"]),
    _gid(STORE_1, 9): (["Чизкейк", "Эклер", "Медовик", "Тирамису"], ["порция", "целый"]),
    _gid(STORE_2, 2): (["Сахар", "Соль", "Мука пшеничная", "Масло подсолнечное"], ["1 кг", "5 кг"]),
    _gid(STORE_2, 3): (["Гречка", "Рис круглый", "Пшено", "Овсяные хлопья"], ["800 г", "1 кг"]),
    _gid(STORE_2, 4): (["Табак для самокруток", "Сигареты «Пётр I»"], ["40 г", "20 шт"]),
}
_GENERATED_GROUPS = {
    STORE_1: [g for g in _NAMES if g.startswith("a1")],
    STORE_2: [g for g in _NAMES if g.startswith("b2")],
}

_LONG_NAME = (
    "Пирог осетинский с сыром и зеленью, большой, на компанию из четырёх-пяти человек, с доставкой "
    "по городу и упаковкой в короб (XL)"
)


def _edge_cases() -> dict[str, list[dict]]:
    """Hand-written products that exercise every corner of SPEC §9 (no group, 128 chars, price 0, …)."""
    g = _gid
    s1 = [
        {
            "name": "Морс клюквенный 0,5 л",
            "parent_id": g(STORE_1, 2),
            "price": 149.9,
            "quantity": 24,
            "description": "Домашний морс из клюквы.\nБез сахара & консервантов <b>100%</b>",
            "article_number": "MRS-050",
            "code": "101",
            "barcodes": ["4601234567893", "2000000001012"],
            "image": True,
        },
        {"name": "Пакет-майка (без группы)", "price": 5, "quantity": 500, "tax": "NO_VAT", "barcodes": []},
        {
            "name": _LONG_NAME,
            "parent_id": g(STORE_1, 3),
            "price": 890,
            "quantity": 3,
            "tax": "VAT_10",
            "description": "Название ровно 128 символов — проверка обрезки для VK.",
        },
        {
            "name": "Стакан воды (бесплатно)",
            "parent_id": g(STORE_1, 1),
            "price": 0,
            "quantity": 0,
            "tax": "NO_VAT",
        },
        {
            "name": "Ёлочная игрушка «Снежинка» — ручная работа ❄️ / Қазақша әріптер",
            "parent_id": g(STORE_1, 3),
            "price": 350.5,
            "quantity": 7,
            "description": 'Non-ASCII: ё, «», —, emoji; "quotes" & ampersand',
            "article_number": "ЁЛК-01",
            "image": True,
        },
        {
            "name": "Кофе в зёрнах развесной",
            "parent_id": g(STORE_1, 7),
            "price": 1890,
            "quantity": 1.255,
            "measure_name": "кг",
            "tax": "VAT_10",
        },
        {
            "name": "Круассан миндальный",
            "parent_id": g(STORE_1, 3),
            "price": 180,
            "quantity": -3,
            "description": "Отрицательный остаток (продано больше, чем оприходовано)",
        },
        {
            "name": "Старый сезонный напиток (снят с продажи)",
            "parent_id": g(STORE_1, 2),
            "price": 210,
            "quantity": 0,
            "allow_to_sell": False,
        },
        {"name": "Минимальный товар", "price": 10, "tax": "NO_VAT", "_no_quantity": True},
        {
            "name": "Сидр яблочный 0,45 л",
            "parent_id": g(STORE_1, 1),
            "price": 220,
            "quantity": 12,
            "type": "ALCOHOL_NOT_MARKED",
            "alcohol_by_volume": 5.45,
            "tare_volume": 0.45,
        },
        {"name": "Футболка красная S", "parent_id": g(STORE_1, 5), "price": 990, "quantity": 5},
        {
            "name": "Чай",
            "parent_id": g(STORE_1, 6),
            "price": 60,
            "quantity": 40,
            "description": "Короткое имя из трёх букв: VK требует не меньше четырёх.",
        },
        {"name": "Ём", "parent_id": g(STORE_1, 9), "price": 45, "quantity": 9, "image": True},
        {
            "name": "Товар-сирота (группа удалена)",
            "parent_id": ORPHAN_PARENT,
            "price": 75,
            "quantity": 1,
            "measure_name": "упак",
            "tax": "VAT_0",
        },
        {
            "name": "Сигареты «Космос»",
            "parent_id": g(STORE_1, 8),
            "price": 199,
            "quantity": 30,
            "type": "TOBACCO_MARKED",
        },
    ]
    s2 = [
        {
            "name": "Доставка по городу",
            "parent_id": g(STORE_2, 1),
            "price": 300,
            "type": "SERVICE",
            "measure_name": "ед",
            "tax": "NO_VAT",
            "_no_quantity": True,
        },
        {
            "name": "Морс клюквенный 0,5 л",
            "price": 139.9,
            "quantity": 100,
            "article_number": "MRS-050",
            "barcodes": ["4601234567893"],
        },
    ]
    return {STORE_1: s1, STORE_2: s2}


EDGE_CASES = _edge_cases()


def product_id(store_id: str, index: int) -> str:
    """Return the stable id of the ``index``-th (1-based) product of a store."""
    return PRODUCT_PREFIX[store_id] + f"{index:012d}"


def parse_product_id(pid: str) -> tuple[str, int] | None:
    """Split a generated product id into (store id, index), or None for ids the generator never made."""
    for store_id, prefix in PRODUCT_PREFIX.items():
        if pid.startswith(prefix) and pid[len(prefix) :].isdigit():
            return store_id, int(pid[len(prefix) :])
    return None


def store_sizes(total: int) -> dict[str, int]:
    """Split the catalog size knob between the two stores (the second gets a fifth)."""
    total = max(total, len(EDGE_CASES[STORE_1]) + len(EDGE_CASES[STORE_2]))
    second = max(len(EDGE_CASES[STORE_2]), total // 5)
    return {STORE_1: total - second, STORE_2: second}


def groups(store_id: str) -> list[dict]:
    """Return the product groups of a store in Evotor v2 shape."""
    out = []
    for store, n, name, parent in _GROUPS:
        if store != store_id:
            continue
        item = {"id": _gid(store, n), "name": name}
        if parent is not None:
            item["parent_id"] = _gid(store, parent)
        item.update({"store_id": store, "user_id": USER_ID, "created_at": TS, "updated_at": TS})
        out.append(item)
    return out


def stores() -> list[dict]:
    """Return the stores in Evotor v2 shape."""
    return [{**s, "user_id": USER_ID, "created_at": TS, "updated_at": TS} for s in STORES]


def _finish(store_id: str, pid: str, raw: dict, index: int) -> dict:
    item = {"id": pid, "type": raw.get("type", "NORMAL"), "name": raw["name"]}
    if raw.get("parent_id"):
        item["parent_id"] = raw["parent_id"]
    item["price"] = raw["price"]
    if raw.get("type") != "SERVICE":
        item["cost_price"] = round(raw["price"] * 0.45, 2)
    if "quantity" in raw and not raw.get("_no_quantity"):
        item["quantity"] = raw["quantity"]
    item["measure_name"] = raw.get("measure_name", "шт")
    item["tax"] = raw.get("tax", "VAT_18")
    item["allow_to_sell"] = raw.get("allow_to_sell", True)
    for key in ("description", "article_number", "code", "barcodes", "alcohol_by_volume", "tare_volume"):
        if key in raw:
            item[key] = raw[key]
    day = 1 + index % 28
    item.update(
        {"store_id": store_id, "user_id": USER_ID, "created_at": f"2024-02-{day:02d}T07:00:00.000+0000"}
    )
    item["updated_at"] = raw.get("updated_at", item["created_at"])
    if raw.get("image"):
        item["_image"] = True
    return item


def generate(seed: int, store_id: str, index: int) -> dict:
    """Return product ``index`` (1-based) of a store exactly as a fresh catalog holds it."""
    edge = EDGE_CASES[store_id]
    pid = product_id(store_id, index)
    if index <= len(edge):
        return _finish(store_id, pid, edge[index - 1], index)
    rng = random.Random(f"{seed}:{store_id}:{index}")
    group = rng.choice(_GENERATED_GROUPS[store_id])
    nouns, sizes = _NAMES[group]
    name = f"{rng.choice(nouns)} {rng.choice(sizes)}".strip() + f" №{index}"
    raw = {
        "name": name,
        "parent_id": group,
        "price": round(rng.uniform(30, 3000), 2),
        "quantity": rng.randint(0, 200),
        "article_number": f"ART-{index}",
        "code": str(index % 10**9),
        "barcodes": [f"46{index:011d}"],
        "image": index % 7 == 0,
    }
    if index % 37 == 0:
        raw["_no_quantity"] = True
    if index % 53 == 0:
        raw["allow_to_sell"] = False
    if index % 11 == 0:
        raw["description"] = f"{nouns[0]}: свежая поставка, артикул ART-{index}."
    return _finish(store_id, pid, raw, index)


def load_overrides(conn: sqlite3.Connection, store_id: str) -> tuple[dict[str, dict], list[dict]]:
    """Return (changes by product id, added products in order) for a store."""
    changes, added = {}, []
    rows = conn.execute(
        "SELECT product_id, data, deleted, added_seq FROM product_overrides WHERE store_id = ? "
        "ORDER BY added_seq",
        (store_id,),
    )
    for row in rows:
        data = json.loads(row["data"])
        data["_deleted"] = bool(row["deleted"])
        changes[row["product_id"]] = data
        if row["added_seq"] is not None:
            added.append({**data, "id": row["product_id"]})
    return changes, added


def apply_change(product: dict, change: dict | None) -> dict | None:
    """Lay a stored change over a generated product; None means it was deleted."""
    if change is None:
        return product
    if change.get("_deleted"):
        return None
    merged = {**product}
    for key, value in change.items():
        if key.startswith("_"):
            continue
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def public(product: dict, with_quantity: bool = True) -> dict:
    """Strip sandbox-only keys; drop quantity when the token lacks the stock scope (as Evotor does)."""
    out = {k: v for k, v in product.items() if not k.startswith("_")}
    if not with_quantity:
        out.pop("quantity", None)
    return out
