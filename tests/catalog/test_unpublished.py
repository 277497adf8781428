"""Store and group rows and the summary say how many selected products VK forbids (never published)."""

from __future__ import annotations

import re
from collections import Counter

from sqlalchemy import select

from evosync.catalog.models import CatalogGroup, CatalogProduct
from evosync.goods import forbidden


def _post(client, entity_type, entity_id, mode):
    data = {"entity_type": entity_type, "entity_id": entity_id, "mode": mode}
    return client.post("/catalog/filters", data=data, headers={"HX-Request": "true"})


def _forbidden_by_group(db, user_id, store_id) -> tuple[Counter, list[CatalogProduct]]:
    """Forbidden products of a store per group, by running the goods rules on type and name afresh."""
    db.session.expire_all()
    products = db.session.scalars(
        select(CatalogProduct).where(CatalogProduct.user_id == user_id, CatalogProduct.store_id == store_id)
    ).all()
    banned = [p for p in products if forbidden.by_type(p.type) or forbidden.by_name(p.name)]
    return Counter(p.group_id for p in banned), banned


def _row_note(html: str, entity: str, evotor_id: str) -> str | None:
    row = re.search(
        rf'<tr id="{entity}-\d+" data-entity="{entity}" data-id="{evotor_id}".*?</tr>', html, re.S
    )
    assert row, evotor_id
    note = re.search(r'data-testid="unpublished"[^>]*>из них не публикуются: (\d+)<', row.group(0))
    return note.group(1) if note else None


def _summary(html: str) -> str | None:
    found = re.search(r'<span id="summary-unpublished">(\d+)</span>', html)
    return found.group(1) if found else None


def test_rows_and_summary_count_the_selected_goods_vk_forbids(auth_client, shop, ids, db):
    store = ids.store(1)
    per_group, banned = _forbidden_by_group(db, shop.id, store)
    assert banned, "the demo catalog has alcohol, tobacco and vapes"
    # No rules yet: nothing is selected, so nothing is said about unpublished goods.
    page = auth_client.get("/catalog").get_data(as_text=True)
    assert _summary(page) is None and _row_note(page, "store", store) is None
    assert "не попадут во ВКонтакте" not in auth_client.get("/sync").get_data(as_text=True)

    _post(auth_client, "store", store, "include")
    page = auth_client.get("/catalog").get_data(as_text=True)
    assert _summary(page) == str(len(banned))
    assert _row_note(page, "store", store) == str(len(banned))
    assert _row_note(page, "store", ids.store(2)) is None  # not selected
    sync_page = auth_client.get("/sync").get_data(as_text=True)
    assert f"Из них не попадут во ВКонтакте: {len(banned)} —" in sync_page

    # A leaf group full of forbidden goods: its row says so on the store page.
    parents = set(db.session.scalars(select(CatalogGroup.parent_id).where(CatalogGroup.user_id == shop.id)))
    group_id, n = next((g, n) for g, n in per_group.most_common() if g and g not in parents)
    store_page = auth_client.get(f"/catalog/stores/{store}").get_data(as_text=True)
    assert _row_note(store_page, "group", group_id) == str(n)

    # Excluding that group takes its goods out of the count; the other store's goods never counted.
    answer = _post(auth_client, "group", group_id, "exclude").get_data(as_text=True)
    assert _summary(answer) == str(len(banned) - n)
    assert _row_note(answer, "group", group_id) is None
    # A product's own rule moves just that product: one forbidden product outside the group, excluded.
    other = next(p for p in banned if p.group_id != group_id)
    answer = _post(auth_client, "product", other.evotor_id, "exclude").get_data(as_text=True)
    left = len(banned) - n - 1
    assert _summary(answer) == (str(left) if left else None)  # none left: the line is not shown
    _post(auth_client, "product", other.evotor_id, "clear")
    _post(auth_client, "group", group_id, "clear")
    assert _summary(auth_client.get("/catalog").get_data(as_text=True)) == str(len(banned))


def test_an_overridden_name_guess_is_published_and_leaves_the_count(
    auth_client, shop, ids, db, sandbox, refresh
):
    vape = sandbox.add_product(name="Жидкость для вейпа «Дыня» 30 мл", price=450)
    refresh(shop)
    store = ids.store(1)
    _, banned = _forbidden_by_group(db, shop.id, store)
    assert vape["id"] in {p.evotor_id for p in banned}
    _post(auth_client, "store", store, "include")
    assert _summary(auth_client.get("/catalog").get_data(as_text=True)) == str(len(banned))
    response = auth_client.post(f"/goods/products/{vape['id']}/name-guess", data={"allowed": "1"})
    assert response.status_code == 303
    page = auth_client.get("/catalog").get_data(as_text=True)
    assert _summary(page) == str(len(banned) - 1)
    assert _row_note(page, "store", store) == str(len(banned) - 1)
