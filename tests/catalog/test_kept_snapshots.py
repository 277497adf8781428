"""Catalog snapshots kept between requests (docs/catalog.md): a page never shows what a refresh or a rule
change replaced, nor what a rolled-back change wrote, nor another merchant's catalog."""

from __future__ import annotations

import re

import pytest

from evosync.catalog.decisions import load_snapshot
from evosync.extensions import db as _db
from evosync.rules import service as rules_service


def _summary(client) -> tuple[int, int]:
    """(products in the catalog, rules) as the catalog page's summary says them."""
    html = client.get("/catalog").get_data(as_text=True)
    total = int(re.search(r'id="summary-synced">\d+</span> из (\d+) товаров', html).group(1))
    counted = re.search(r"Правил: (\d+)\.", html)
    # With no rules the summary counts none: it says the catalog is not configured instead.
    assert counted or 'data-testid="not-configured"' in html
    return total, int(counted.group(1)) if counted else 0


def test_a_refresh_shows_on_the_next_page_at_once(auth_client, shop, ids, sandbox, refresh):
    data = {"entity_type": "store", "entity_id": ids.store(2), "mode": "exclude"}
    assert auth_client.post("/catalog/filters", data=data).status_code == 200
    total, _ = _summary(auth_client)  # kept now, under the rule change's token
    sandbox.add_product(name="Новый товар после обновления", price=10)
    assert refresh(shop).status == "succeeded"
    assert _summary(auth_client) == (total + 1, 1)


def test_a_rule_set_by_another_process_shows_on_the_next_page(app, auth_client, shop, ids):
    total, _ = _summary(auth_client)
    with app.app_context():  # as a worker or the CLI would: its own session, its own commit
        rules_service.set_rule(shop.id, "store", ids.store(1), "include", "Магазин 1")
        _db.session.commit()
    assert _summary(auth_client) == (total, 1)


def test_a_rolled_back_rule_change_leaves_nothing_behind(app, auth_client, shop, ids):
    total, _ = _summary(auth_client)
    with app.app_context():
        # The change loads a snapshot under its new token inside the transaction, then rolls back.
        rules_service.set_rule(shop.id, "store", ids.store(1), "include", "Магазин 1")
        assert len(load_snapshot(shop.id).rules) == 1
        _db.session.rollback()
    assert _summary(auth_client) == (total, 0)
    with app.app_context():
        rules_service.set_rule(shop.id, "store", ids.store(2), "exclude", "Магазин 2")
        _db.session.commit()
        rules = load_snapshot(shop.id).rules
    assert [(r.entity_id, r.filter_mode) for r in rules] == [(ids.store(2), "exclude")]
    assert _summary(auth_client) == (total, 1)


def test_kept_snapshots_belong_to_their_user(app, auth_client, shop, ids, make_user, connect_evotor, refresh):
    other = make_user("other@example.ru")
    connect_evotor(other)
    assert refresh(other).status == "succeeded"
    with app.app_context():
        rules_service.set_rule(other.id, "store", ids.store(1), "exclude", "Магазин 1")
        _db.session.commit()
        assert len(load_snapshot(other.id).rules) == 1
    assert _summary(auth_client)[1] == 0


def test_a_kept_store_cannot_be_changed_in_place(app, shop):
    with app.app_context():
        store = load_snapshot(shop.id).stores[0]
        with pytest.raises(AttributeError):
            store.name = "Другое имя"
        assert load_snapshot(shop.id).stores[0].name == store.name


def test_a_rule_change_reads_no_store_or_group_again(app, auth_client, shop, ids):
    """A rule change keeps the catalog half of the token: the toggle and the next page read the rules
    again, never the stores and groups (a refresh changes both halves: the test above)."""
    from sqlalchemy import event

    _summary(auth_client)  # kept under the current token
    with app.app_context():
        engine = _db.engine
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        data = {"entity_type": "product", "entity_id": ids.product("Чизкейк"), "mode": "exclude"}
        assert auth_client.post("/catalog/filters", data=data).status_code == 200
        assert _summary(auth_client)[1] == 1
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert any("FROM sync_filters" in s for s in seen)
    assert not [s for s in seen if "FROM catalog_stores" in s or "FROM catalog_groups" in s]
