"""Fixed data of the demo Evotor catalog: stores, groups, name parts and the hand-written edge cases."""

from __future__ import annotations

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


def gid(store: str, n: int) -> str:
    """Return the id of group number ``n`` of a store."""
    return ("a1f0c2d4-1111-4a6b-9c1d-" if store == STORE_1 else "b2e1d3c5-2222-4b7c-8d2e-") + f"{n:012d}"


# (store, n, name, parent n or None, measure, kinds of goods used by the generator)
GROUPS = [
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
NAMES = {
    gid(STORE_1, 1): (["Вода", "Лимонад", "Квас", "Тоник"], ["0,33 л", "0,5 л", "1 л"]),
    gid(STORE_1, 2): (
        ["Сок яблочный", "Сок вишнёвый", "Морс брусничный", "Нектар персиковый"],
        ["0,2 л", "1 л"],
    ),
    gid(STORE_1, 7): (
        ["Кофе Арабика", "Кофе Робуста", "Эспрессо-смесь", "Кофе без кофеина"],
        ["250 г", "1 кг"],
    ),
    gid(STORE_1, 6): (["Чай чёрный", "Чай зелёный", "Какао", "Капучино"], ["200 мл", "400 мл"]),
    gid(STORE_1, 3): (["Круассан", "Булочка с корицей", "Пирожок с капустой", "Слойка"], ["", "большой"]),
    gid(STORE_1, 8): (["Сигареты «Ява»", "Табак трубочный", "Сигариллы"], ["20 шт", "50 г"]),
    gid(STORE_1, 9): (["Чизкейк", "Эклер", "Медовик", "Тирамису"], ["порция", "целый"]),
    gid(STORE_2, 2): (["Сахар", "Соль", "Мука пшеничная", "Масло подсолнечное"], ["1 кг", "5 кг"]),
    gid(STORE_2, 3): (["Гречка", "Рис круглый", "Пшено", "Овсяные хлопья"], ["800 г", "1 кг"]),
    gid(STORE_2, 4): (["Табак для самокруток", "Сигареты «Пётр I»"], ["40 г", "20 шт"]),
}
GENERATED_GROUPS = {
    STORE_1: [g for g in NAMES if g.startswith("a1")],
    STORE_2: [g for g in NAMES if g.startswith("b2")],
}

LONG_NAME = (
    "Пирог осетинский с сыром и зеленью, большой, на компанию из четырёх-пяти человек, с доставкой "
    "по городу и упаковкой в короб (XL)"
)


def edge_cases() -> dict[str, list[dict]]:
    """Hand-written products that exercise every corner of the demo catalog (docs/sandbox.md: no group, 128 chars, price 0, …)."""
    g = gid
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
            "name": LONG_NAME,
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
