"""The guard against mass removal, against the sandbox on both databases: a run that would take down most of
a shop removes nothing and asks; «Снять N товаров» lets the next run remove exactly that set."""

from __future__ import annotations

from sqlalchemy import select

from evosync.catalog.models import CatalogGroup, CatalogStore
from evosync.extensions import db as _db
from evosync.rules.service import set_rule
from evosync.sync.runs.models import SyncRun
from tests.sync.conftest import live_items


def _hidden(sandbox) -> int:
    return sum(1 for item in live_items(sandbox) if item.get("hidden"))


def _exclude(app, user_id, model, pick) -> None:
    with app.app_context():
        rows = _db.session.scalars(select(model).where(model.user_id == user_id)).all()
        target = pick(rows)
        kind = "store" if model is CatalogStore else "group"
        set_rule(user_id, kind, target.evotor_id, "exclude", target.name)
        _db.session.commit()


def _login(app, email):
    client = app.test_client()
    assert (
        client.post("/login", data={"email": email, "password": "correct horse battery"}).status_code == 302
    )
    return client


def test_a_run_that_would_hide_most_of_the_shop_asks_first(app, shop, sandbox, sync):
    assert sync(shop.id).status == "succeeded"
    published = len(live_items(sandbox))
    # Dropping the first store's include leaves only the second store selected: most goods would go.
    _exclude(app, shop.id, CatalogStore, lambda stores: min(stores, key=lambda s: s.position))
    held = sync(shop.id)
    assert held.status == "held", held.line
    assert "большая часть магазина" in held.line
    assert _hidden(sandbox) == 0 and len(live_items(sandbox)) == published
    client = _login(app, shop.email)
    page = client.get("/sync").get_data(as_text=True)
    assert "Ожидает подтверждения: снять" in page and "Снять" in page
    with app.app_context():
        run = _db.session.scalar(select(SyncRun).order_by(SyncRun.id.desc()))
        assert (run.status_ru, run.hidden) == ("ожидает подтверждения", 0)
    # Another run without the merchant's yes still removes nothing.
    assert sync(shop.id).status == "held" and _hidden(sandbox) == 0
    response = client.post("/sync/removals/approve")
    assert response.status_code == 303
    done = sync(shop.id, trigger="manual")
    assert done.status == "succeeded", done.line
    assert _hidden(sandbox) > published * 0.3
    assert "Ожидает подтверждения" not in client.get("/sync").get_data(as_text=True)


def test_a_small_removal_goes_through_without_asking(app, shop, sandbox, sync):
    assert sync(shop.id).status == "succeeded"
    # The smallest group that has products: a handful of items leave, far below the threshold.
    _exclude(
        app,
        shop.id,
        CatalogGroup,
        lambda groups: min((g for g in groups if g.product_count), key=lambda g: g.product_count),
    )
    outcome = sync(shop.id)
    assert outcome.status == "succeeded", outcome.line
    assert 0 < _hidden(sandbox) <= 20


def test_the_threshold_is_a_setting_with_a_russian_refusal(app, shop, sandbox):
    client = _login(app, shop.email)
    bad = client.post("/sync/removal-threshold", data={"percent": "сто"})
    assert bad.status_code == 400 and "от 1 до 100" in bad.get_data(as_text=True)
    assert client.post("/sync/removal-threshold", data={"percent": "80"}).status_code == 303
    assert 'value="80"' in client.get("/sync").get_data(as_text=True)
