"""The demo VK world: users, the communities they administer or belong to, and Market categories."""

from __future__ import annotations

DEMO_USER_ID = 501234567
OTHER_USER_ID = 501234568
SHOP_GROUP_ID = 218000001
MARKET_OFF_GROUP_ID = 218000002
MEMBER_GROUP_ID = 218000003
OTHER_SHOP_GROUP_ID = 218000004
# A chain-store owner with many communities, so multi-user tests (scale-out, isolation) can give each
# EvoSync user a community of its own instead of several users fighting over one Market. A benchmark that
# needs more (bench/scale_tick.py) starts the sandbox with `serve --vk-fleet N` (``set_fleet_size``).
FLEET_USER_ID = 501234570
FLEET_SIZE = 32
FLEET_FIRST_ID = 218000101
FLEET_GROUP_IDS = tuple(range(FLEET_FIRST_ID, FLEET_FIRST_ID + FLEET_SIZE))

USERS = {
    DEMO_USER_ID: {
        "first_name": "Анна",
        "last_name": "Смирнова",
        "screen_name": "anna_ezhik_shop",
        "email": "anna@example.ru",
        "sex": 1,
    },
    OTHER_USER_ID: {
        "first_name": "Игорь",
        "last_name": "Петров",
        "screen_name": "igor_petrov_sklad",
        "email": "igor@example.ru",
        "sex": 2,
    },
    FLEET_USER_ID: {
        "first_name": "Сеть",
        "last_name": "Магазинов",
        "screen_name": "shop_chain_owner",
        "email": "chain@example.ru",
        "sex": 0,
    },
}

# admin_level per user: 3 = administrator, 0 = plain member (not listed by filter=admin).
GROUPS = {
    SHOP_GROUP_ID: {
        "name": "Кофейня «Ёжик»",
        "screen_name": "ezhik_coffee",
        "market": True,
        "members": {DEMO_USER_ID: 3},
    },
    MARKET_OFF_GROUP_ID: {
        "name": "Склад №2 — опт",
        "screen_name": "sklad2_opt",
        "market": False,
        "members": {DEMO_USER_ID: 3},
    },
    MEMBER_GROUP_ID: {
        "name": "Любители кофе Казани",
        "screen_name": "kazan_coffee_lovers",
        "market": True,
        "members": {DEMO_USER_ID: 0, OTHER_USER_ID: 0},
    },
    OTHER_SHOP_GROUP_ID: {
        "name": "Лавка Игоря",
        "screen_name": "igor_lavka",
        "market": True,
        "members": {OTHER_USER_ID: 3},
    },
}


def _fleet_group(group_id: int) -> dict:
    number = group_id - FLEET_FIRST_ID + 1
    return {
        "name": f"Магазин сети №{number}",
        "screen_name": f"chain_shop_{number}",
        "market": True,
        "members": {FLEET_USER_ID: 3},
    }


def set_fleet_size(size: int) -> None:
    """Give the chain owner ``size`` communities (ids from ``FLEET_FIRST_ID``; 32 unless a server asks)."""
    global FLEET_GROUP_IDS
    if not 1 <= size <= 99_000:  # above that the ids would run into other ranges
        raise ValueError(f"fleet size must be 1…99000, not {size}")
    for group_id in FLEET_GROUP_IDS:
        GROUPS.pop(group_id, None)
    FLEET_GROUP_IDS = tuple(range(FLEET_FIRST_ID, FLEET_FIRST_ID + size))
    GROUPS.update({group_id: _fleet_group(group_id) for group_id in FLEET_GROUP_IDS})


GROUPS.update({group_id: _fleet_group(group_id) for group_id in FLEET_GROUP_IDS})

# Scope names → legacy bitmask, for account.getAppPermissions (vk-api.md §1c).
SCOPE_BITS = {
    "photos": 4,
    "wall": 8192,
    "offline": 65536,
    "docs": 131072,
    "groups": 262144,
    "stats": 1048576,
    "email": 4194304,
    "market": 134217728,
}
DEFAULT_SCOPE = "vkid.personal_info market photos groups offline"

CURRENCY = {"id": 643, "name": "RUB", "title": "₽"}

CATEGORIES = [
    {
        "id": 1,
        "name": "Продукты питания",
        "children": [
            {"id": 101, "name": "Напитки"},
            {"id": 102, "name": "Кофе и чай"},
            {"id": 103, "name": "Выпечка и десерты"},
            {"id": 104, "name": "Бакалея"},
        ],
    },
    {
        "id": 2,
        "name": "Одежда и обувь",
        "children": [{"id": 201, "name": "Футболки"}, {"id": 202, "name": "Обувь"}],
    },
    {
        "id": 3,
        "name": "Услуги",
        "children": [{"id": 301, "name": "Доставка"}, {"id": 302, "name": "Прочие услуги"}],
    },
    {"id": 4, "name": "Другое", "children": [{"id": 401, "name": "Разное"}]},
]


def category_index() -> dict[int, dict]:
    """Map every leaf category id to its object with the parent section (the shape market items carry)."""
    out = {}
    for section in CATEGORIES:
        for child in section["children"]:
            out[child["id"]] = {**child, "section": {"id": section["id"], "name": section["name"]}}
    return out


def scope_mask(scope: str) -> int:
    """Return the legacy permissions bitmask of a space- or comma-separated scope string."""
    names = scope.replace(",", " ").split()
    return sum(SCOPE_BITS.get(name, 0) for name in set(names))


def avatar_url(base: str, key: str) -> str:
    """Return the URL of a generated avatar picture served by the sandbox."""
    return f"{base}/vk/static/avatar/{key}.jpg"


def user_object(user_id: int, base: str, fields: list[str] | None = None) -> dict:
    """Return a users.get object with the requested optional fields."""
    u = USERS[user_id]
    out = {
        "id": user_id,
        "first_name": u["first_name"],
        "last_name": u["last_name"],
        "can_access_closed": True,
        "is_closed": False,
    }
    for field in fields or []:
        if field in ("photo_50", "photo_100", "photo_200", "photo_max", "photo_200_orig"):
            out[field] = avatar_url(base, f"u{user_id}")
        elif field in ("screen_name", "sex"):
            out[field] = u[field]
        elif field == "domain":
            out[field] = u["screen_name"]
    return out


def group_object(group_id: int, user_id: int, base: str, fields: list[str], market_on: bool) -> dict:
    """Return a group object as groups.get (extended) and groups.getById show it to ``user_id``."""
    g = GROUPS[group_id]
    level = g["members"].get(user_id)
    out = {
        "id": group_id,
        "name": g["name"],
        "screen_name": g["screen_name"],
        "is_closed": 0,
        "type": "page",
        "is_admin": 1 if level else 0,
        "is_member": 1 if level is not None else 0,
        "photo_50": avatar_url(base, f"g{group_id}"),
        "photo_100": avatar_url(base, f"g{group_id}"),
        "photo_200": avatar_url(base, f"g{group_id}"),
    }
    if level:
        out["admin_level"] = level
    if "market" in fields:
        out["market"] = (
            {
                "enabled": 1,
                "type": "basic",
                "currency": CURRENCY,
                "main_album_id": 0,
                "price_min": "0",
                "price_max": "0",
            }
            if market_on
            else {"enabled": 0}
        )
    return out
