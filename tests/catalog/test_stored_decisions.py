"""The decision stored on every product equals the pure engine's, after any rule change and any refresh."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from evosync.catalog import stored
from evosync.catalog.decisions import evaluate_catalog, load_snapshot
from evosync.catalog.models import CatalogGroup, CatalogProduct, CatalogStore
from evosync.rules import queries as rules_queries
from evosync.rules import service as rules_service


def _stored(db, user_id) -> dict[str, tuple[bool, str, str | None]]:
    p = CatalogProduct
    stmt = select(p.evotor_id, p.syncs, p.decision_code, p.decision_source).where(p.user_id == user_id)
    return {i: (s, c, src) for i, s, c, src in db.session.execute(stmt)}


def _engine(user_id) -> dict[str, tuple[bool, str, str | None]]:
    return {i: (d.syncs, d.code, d.source_id) for i, d in evaluate_catalog(user_id).products.items()}


def _row_badges(html: str) -> dict[str, bool]:
    """Product id → the «да / нет» badge of its row on a products page."""
    rows = re.findall(
        r'<tr id="product-\d+" data-entity="product" data-id="([^"]+)".*?data-syncs="(yes|no)"', html, re.S
    )
    return {pid: syncs == "yes" for pid, syncs in rows}


def _settle(db, user_id) -> None:
    """Run the queued recompute, as the worker would, when a change was too big for the request."""
    if not stored.is_current(user_id):
        stored.recompute_task.call_local(user_id)
    db.session.expire_all()


def _ids(db, model, user_id, limit=None):
    stmt = select(model.evotor_id).where(model.user_id == user_id).order_by(model.evotor_id)
    return list(db.session.scalars(stmt.limit(limit) if limit else stmt))


def test_stored_decisions_equal_the_engine_after_any_sequence_of_rule_changes(db, shop):
    """Property: after random set / clear / remove / reset sequences — recomputed in the request or on
    the queue — every stored decision equals the engine's, and so does the «synced only» SQL condition."""
    pools = {
        "store": _ids(db, CatalogStore, shop.id),
        "group": _ids(db, CatalogGroup, shop.id),
        "product": _ids(db, CatalogProduct, shop.id, 40),
    }
    change = st.one_of(
        st.tuples(
            st.sampled_from(sorted(pools)),
            st.integers(0, 10**6),
            st.sampled_from(["include", "exclude", "clear"]),
        ),
        st.just(("reset", 0, "")),
        st.just(("remove", 0, "")),
    )

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(change, min_size=1, max_size=8))
    def check(changes):
        for kind, pick, mode in changes:
            if kind == "reset":
                rules_service.reset_rules(shop.id)
            elif kind == "remove":
                rules = rules_queries.rules(shop.id)
                if rules:
                    rules_service.remove_rule(shop.id, rules[0])
            else:
                rules_service.set_rule(shop.id, kind, pools[kind][pick % len(pools[kind])], mode)
            db.session.commit()
        _settle(db, shop.id)
        assert stored.is_current(shop.id)
        expected = _engine(shop.id)
        assert _stored(db, shop.id) == expected
        clause = stored.synced_condition(load_snapshot(shop.id))
        in_sql = set(
            db.session.scalars(
                select(CatalogProduct.evotor_id).where(CatalogProduct.user_id == shop.id, clause)
            )
        )
        assert in_sql == {i for i, (syncs, _, _) in expected.items() if syncs}
        # What the sync reads (stored decisions, rebuilt with their reasons) is the engine's evaluation.
        assert stored.catalog_evaluation(shop.id) == evaluate_catalog(shop.id)

    check()


def test_a_group_exclusion_is_recomputed_in_the_request_touching_only_that_group(db, auth_client, shop, ids):
    group = ids.group("Кофе")
    before = _stored(db, shop.id)
    response = auth_client.post(
        "/catalog/filters", data={"entity_type": "group", "entity_id": group, "mode": "exclude"}
    )
    assert response.status_code == 200
    db.session.expire_all()
    assert stored.is_current(shop.id)
    after = _stored(db, shop.id)
    moved = {i for i in after if after[i] != before[i]}
    in_group = set(
        db.session.scalars(select(CatalogProduct.evotor_id).where(CatalogProduct.group_id == group))
    )
    assert moved and moved <= in_group
    assert after == _engine(shop.id)


def test_a_change_too_big_for_the_request_goes_to_the_queue_and_the_pages_stay_right_meanwhile(
    db, auth_client, shop, ids, monkeypatch
):
    monkeypatch.setattr(stored, "SYNC_LIMIT", 0)
    auth_client.post(
        "/catalog/filters",
        data={"entity_type": "group", "entity_id": ids.group("Напитки"), "mode": "include"},
    )
    db.session.expire_all()
    assert not stored.is_current(shop.id)
    synced = {i for i, (s, _, _) in _engine(shop.id).items() if s}
    clause = stored.synced_condition(load_snapshot(shop.id))
    assert (
        set(
            db.session.scalars(
                select(CatalogProduct.evotor_id).where(CatalogProduct.user_id == shop.id, clause)
            )
        )
        == synced
    )
    html = auth_client.get("/catalog/products", query_string={"status": "synced"}).get_data(as_text=True)
    assert f'<span id="products-found">{len(synced)}</span>' in html
    # While the stored decisions are stale every row shows the engine's decision, not the stored one.
    shown = _row_badges(auth_client.get("/catalog/products").get_data(as_text=True))
    assert shown and shown == {i: i in synced for i in shown}
    _settle(db, shop.id)
    assert _row_badges(auth_client.get("/catalog/products").get_data(as_text=True)) == shown
    assert stored.is_current(shop.id)
    assert _stored(db, shop.id) == _engine(shop.id)


SYNC_LIMIT_BIG = 10**9


def test_within_its_transaction_a_change_shows_on_the_loaded_state(db, shop, ids, monkeypatch):
    # The toggle answers from the state row it loaded before the change: that row must carry the change's
    # token and versions — current for a change written in the request, stale for one sent to the queue.
    _settle(db, shop.id)
    for limit, decided in ((SYNC_LIMIT_BIG, True), (0, False)):
        monkeypatch.setattr(stored, "SYNC_LIMIT", limit)
        before = load_snapshot(shop.id)
        assert before.decided and before.state is not None
        mode = "exclude" if decided else "include"
        rules_service.set_rule(shop.id, "group", ids.group("Напитки"), mode, "Напитки", ids.store(1))
        after = load_snapshot(shop.id, before.state)
        assert after.state is before.state and after.decided is decided
        assert after.own_rule("group", ids.group("Напитки")) == mode  # the new rules, not the kept ones
        db.session.commit()
        db.session.expire_all()
        assert stored.is_current(shop.id) is decided
        _settle(db, shop.id)


def test_a_refresh_stores_decisions_for_new_products(db, shop, ids, sandbox, refresh):
    rules_service.set_rule(shop.id, "group", ids.group("Кофе"), "include")
    db.session.commit()
    _settle(db, shop.id)
    sandbox.add_product(name="Новый товар без группы", price=5)
    assert refresh(shop).status == "succeeded"
    db.session.expire_all()
    assert stored.is_current(shop.id)
    assert _stored(db, shop.id) == _engine(shop.id)


def test_a_refresh_writes_new_products_with_their_decisions(db, shop, ids, sandbox, refresh, monkeypatch):
    """The recompute that follows a refresh finds the new and changed products already decided: a first
    refresh of a big catalog writes each product once, not once more for its decision."""
    rules_service.set_rule(shop.id, "group", ids.group("Кофе"), "include")
    db.session.commit()
    _settle(db, shop.id)
    written = []
    real = stored.recompute_all
    monkeypatch.setattr(stored, "recompute_all", lambda user_id: written.append(real(user_id)) or written[-1])
    sandbox.add_product(name="Ещё один новый товар", price=7)
    sandbox.set_product(sandbox.product_id(1), price=123)
    assert refresh(shop).status == "succeeded"
    db.session.expire_all()
    assert written == [0]  # it ran (a product changed) and had nothing left to write
    assert stored.is_current(shop.id)
    assert _stored(db, shop.id) == _engine(shop.id)


def test_a_full_recompute_writes_only_the_decisions_that_differ(db, shop, ids):
    """With a failing store, per-group decisions and a product rule: a full recompute of decisions that are
    all right updates nothing (it only asks); one wrong stored decision is found and put right."""
    from sqlalchemy import event, update

    rules_service.set_rule(shop.id, "store", ids.store(1), "exclude", "Магазин 1")
    group = _ids(db, CatalogGroup, shop.id, 1)[0]
    rules_service.set_rule(shop.id, "group", group, "exclude", "Группа")
    product = ids.product("Чизкейк")
    rules_service.set_rule(shop.id, "product", product, "include", "Чизкейк")
    db.session.commit()
    _settle(db, shop.id)
    assert _stored(db, shop.id) == _engine(shop.id)
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert stored.recompute_all(shop.id) == 0
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert seen and not [s for s in seen if s.startswith("UPDATE catalog_products")]
    victim, (syncs, *_) = next((i, d) for i, d in _stored(db, shop.id).items() if i != product)
    p = CatalogProduct
    wrong = {"syncs": not syncs, "decision_code": "tampered"}
    db.session.execute(update(p).where(p.user_id == shop.id, p.evotor_id == victim).values(**wrong))
    assert stored.recompute_all(shop.id) == 1
    db.session.commit()
    assert _stored(db, shop.id) == _engine(shop.id)
