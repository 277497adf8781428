"""POST /catalog/filters and the rules list: row fragments, stored rules, bad input, other users' entities."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from evosync.rules.models import SyncConfig, SyncFilter


def _rules(db, user_id):
    db.session.expire_all()
    stmt = select(SyncFilter).join(SyncConfig).where(SyncConfig.user_id == user_id).order_by(SyncFilter.id)
    return list(db.session.scalars(stmt))


def _post(client, entity_type, entity_id, mode, **headers):
    data = {"entity_type": entity_type, "entity_id": entity_id, "mode": mode}
    return client.post("/catalog/filters", data=data, headers={"HX-Request": "true", **headers})


def test_include_a_store_answers_its_row_and_the_summary(auth_client, shop, ids, db):
    store = ids.store(1)
    response = _post(auth_client, "store", store, "include")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith("<tr")
    assert f'data-id="{store}"' in html
    assert 'id="catalog-summary"' in html and 'hx-swap-oob="true"' in html
    # Nothing is re-fetched: the other store, whose decision changed, comes out of band in the same answer.
    assert "HX-Trigger" not in response.headers
    other = ids.store(2)
    assert re.search(
        rf'<template>\s*<tr id="store-\d+" data-entity="store" data-id="{other}" hx-swap-oob', html
    )
    assert "Было 0 → станет" in html
    [rule] = _rules(db, shop.id)
    assert (rule.entity_type, rule.entity_id, rule.filter_mode) == ("store", store, "include")
    assert rule.entity_name == "Кофейня «Ёжик» на Ленина"
    assert rule.parent_entity_id is None
    # The other store is now out, and the stores table says so.
    html = auth_client.get("/catalog").get_data(as_text=True)
    assert "не выбран: включены только отдельные магазины" in html


def test_rules_cache_the_parent_and_can_be_changed_and_cleared(auth_client, shop, ids, db):
    group, product = ids.group("Кофе"), ids.product("Чизкейк")
    assert _post(auth_client, "group", group, "exclude").status_code == 200
    assert _post(auth_client, "product", product, "include").status_code == 200
    rules = {r.entity_type: r for r in _rules(db, shop.id)}
    assert rules["group"].parent_entity_id == ids.store(1)
    assert rules["group"].entity_name == "Кофе"
    assert rules["product"].parent_entity_id == ids.group("Десерты")
    html = _post(auth_client, "group", group, "include").get_data(as_text=True)
    assert "включена" in html
    assert [r.filter_mode for r in _rules(db, shop.id) if r.entity_type == "group"] == ["include"]
    _post(auth_client, "group", group, "clear")
    _post(auth_client, "group", group, "clear")  # clearing twice is harmless
    assert [r.entity_type for r in _rules(db, shop.id)] == ["product"]


def test_product_row_shows_the_decision_of_its_group(auth_client, shop, ids):
    _post(auth_client, "group", ids.group("Десерты"), "exclude")
    html = _post(auth_client, "product", ids.product("Чизкейк"), "clear").get_data(as_text=True)
    assert "исключён: группа «Десерты» исключена" in html


def test_a_product_toggle_answers_its_row_with_the_new_decision(auth_client, shop, ids, db):
    from evosync.catalog.models import CatalogProduct

    cake = ids.product("Чизкейк")
    _post(auth_client, "store", ids.store(1), "include")
    # The answer is rendered before the commit, from the row the toggle loaded: it shows what was written.
    for mode, syncs, reason in (("exclude", "no", "исключён: товар исключён"), ("clear", "yes", None)):
        html = _post(auth_client, "product", cake, mode).get_data(as_text=True)
        row = html[: html.index("</tr>")]
        assert f'data-id="{cake}"' in row and f'data-syncs="{syncs}"' in row, row
        if reason:
            assert reason in row
        db.session.expire_all()
        stored = db.session.scalar(select(CatalogProduct.syncs).where(CatalogProduct.evotor_id == cake))
        assert stored is (syncs == "yes")


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"entity_type": "shelf", "entity_id": "x", "mode": "include"}, "Неизвестный тип"),
        ({"entity_type": "", "entity_id": "x", "mode": "include"}, "Неизвестный тип"),
        ({"entity_id": "x", "mode": "include"}, "Неизвестный тип"),
        ({"entity_type": "store", "entity_id": "x", "mode": "maybe"}, "Неизвестное действие"),
        ({"entity_type": "store", "entity_id": "x"}, "Неизвестное действие"),
        ({"entity_type": "store", "entity_id": "", "mode": "include"}, "Не указан объект"),
        ({"entity_type": "store", "entity_id": "\x00", "mode": "include"}, "Не указан объект"),
        ({"entity_type": "store\x00", "entity_id": "x", "mode": "include"}, "Неизвестный тип"),
    ],
)
def test_bad_type_or_mode_is_400_with_a_russian_message(auth_client, shop, db, data, fragment):
    response = auth_client.post("/catalog/filters", data=data)
    assert response.status_code == 400
    assert fragment in response.get_data(as_text=True)
    assert _rules(db, shop.id) == []


@pytest.mark.parametrize(
    "entity_id", ["no-such-id", "x" * 10_000, "a\x00b", "' OR 1=1 --", "%", "../../etc/passwd"]
)
def test_unknown_entity_is_404(auth_client, shop, db, entity_id):
    for entity_type in ("store", "group", "product"):
        response = _post(auth_client, entity_type, entity_id, "include")
        assert response.status_code == 404
    assert _rules(db, shop.id) == []


def test_another_users_entities_and_rules_are_404(
    app, client, make_user, login, connect_evotor, refresh, ids, db
):
    owner = db.session.scalar(select(SyncConfig.user_id))  # None yet: the owner has no rules
    assert owner is None
    intruder = make_user(email="intruder@example.ru")
    login(intruder.email)
    store, group, product = ids.store(1), ids.group("Кофе"), ids.product("Чизкейк")
    for entity_type, entity_id in (("store", store), ("group", group), ("product", product)):
        assert _post(client, entity_type, entity_id, "include").status_code == 404
    assert _rules(db, intruder.id) == []
    # The owner's rule cannot be removed, nor seen, by the intruder.
    from evosync.rules.service import set_rule

    owner_id = _shop_id(db)
    set_rule(owner_id, "store", store, "exclude", "Магазин владельца")
    db.session.commit()
    rule = _rules(db, owner_id)[0]
    assert client.post(f"/catalog/rules/{rule.id}/delete").status_code == 404
    assert "Магазин владельца" not in client.get("/catalog/rules").get_data(as_text=True)
    assert db.session.get(SyncFilter, rule.id) is not None
    assert client.get(f"/catalog/stores/{store}").status_code == 404
    assert client.get("/catalog/products", query_string={"store": store}).status_code == 404


def _shop_id(db):
    from evosync.auth.models import User

    return db.session.scalar(select(User.id).where(User.email == "shop@example.ru"))


def test_rules_list_marks_vanished_entities_and_removes_rules(auth_client, shop, ids, db, sandbox, refresh):
    product = ids.product("Чизкейк")
    _post(auth_client, "product", product, "exclude")
    _post(auth_client, "store", ids.store(2), "exclude")
    sandbox.delete_product(product)
    assert refresh(shop).status == "succeeded"
    html = auth_client.get("/catalog/rules").get_data(as_text=True)
    assert html.count("нет в каталоге") == 1
    assert len(_rules(db, shop.id)) == 2  # the rule outlives its product
    rule = next(r for r in _rules(db, shop.id) if r.entity_type == "product")
    response = auth_client.post(f"/catalog/rules/{rule.id}/delete", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'id="catalog-summary"' in response.get_data(as_text=True)
    assert [r.entity_type for r in _rules(db, shop.id)] == ["store"]
    assert auth_client.post("/catalog/rules/999999/delete").status_code == 404


def test_reset_all_rules(auth_client, shop, ids, db):
    _post(auth_client, "store", ids.store(1), "include")
    _post(auth_client, "group", ids.group("Кофе"), "exclude")
    response = auth_client.post("/catalog/rules/reset", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert _rules(db, shop.id) == []
    assert "Правил нет" in auth_client.get("/catalog/rules").get_data(as_text=True)


def test_filters_need_csrf_when_it_is_on(make_app, app_config, shop, ids, db):
    strict = make_app({**app_config, "WTF_CSRF_ENABLED": True})
    client = strict.test_client()
    client.post("/login", data={"email": "shop@example.ru", "password": "correct horse battery"})
    response = _post(client, "store", ids.store(1), "include")
    assert response.status_code == 400
    assert _rules(db, shop.id) == []
