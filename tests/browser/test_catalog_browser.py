"""Journey: refresh the catalog, include/exclude rows with HTMX (no reload), remove a rule, export CSV."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from evosync.catalog.models import CatalogGroup, CatalogProduct
from evosync.extensions import db as _db
from evosync.sandbox import catalog as demo
from tests.factories import browser_login

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config(app_config, sandbox):
    """The app (and the live server built from it) talks to the sandbox."""
    return {**app_config, **sandbox.config()}


def _entity_id(app, model, name):
    with app.app_context():
        return _db.session.scalar(select(model.evotor_id).where(model.name.startswith(name)).limit(1))


def _mark(page):
    page.evaluate("window.__noReload = 'still here'")


def _not_reloaded(page):
    return page.evaluate("window.__noReload") == "still here"


def _row(page, entity_id):
    return page.locator(f'tr[data-id="{entity_id}"]').first


def test_catalog_journey_in_the_browser(page, app, make_user, sandbox):
    from evosync.connections.service import save_tokens

    user = make_user(email="catalog@example.ru")
    with app.app_context():
        save_tokens(user.id, "evotor", sandbox.evotor_token, auth_method="token")
        _db.session.commit()
    browser_login(page, "catalog@example.ru")

    # Refresh: the background job's progress is polled, then the page shows the new catalog.
    page.goto("/catalog")
    page.get_by_role("button", name="Обновить каталог").click()
    page.get_by_text("Каталог обновлён").wait_for(timeout=30_000)
    _mark(page)

    # Include store 1: its row swaps in place; store 2 drops out once the table re-renders.
    _row(page, demo.STORE_1).locator("button[data-mode=include]").click()
    _row(page, demo.STORE_1).locator("button[data-mode=include][aria-pressed=true]").wait_for()
    _row(page, demo.STORE_2).get_by_text("не выбран: включены только отдельные магазины").wait_for()
    assert "включён" in _row(page, demo.STORE_1).inner_text()
    assert _not_reloaded(page)

    # Exclude the group «Кофе» in the store's tree.
    page.goto(f"/catalog/stores/{demo.STORE_1}")
    _mark(page)
    coffee = _entity_id(app, CatalogGroup, "Кофе")
    _row(page, coffee).locator("button[data-mode=exclude]").click()
    _row(page, coffee).get_by_text("исключена").wait_for()
    hot = _entity_id(app, CatalogGroup, "Горячие напитки")
    assert "синхронизируется" in _row(page, hot).inner_text()
    assert _not_reloaded(page)

    # Include one dessert: the other products drop out (product include mode).
    desserts = _entity_id(app, CatalogGroup, "Десерты")
    page.goto(f"/catalog/products?store={demo.STORE_1}&group={desserts}")
    _mark(page)
    cake = _entity_id(app, CatalogProduct, "Чизкейк")
    _row(page, cake).locator("button[data-mode=include]").click()
    _row(page, cake).locator("button[data-mode=include][aria-pressed=true]").wait_for()
    assert "синхронизируется" in _row(page, cake).inner_text() or "включён" in _row(page, cake).inner_text()
    assert _not_reloaded(page)
    # The other products' decisions changed too: the summary says so and its link shows them.
    page.locator("#catalog-summary").get_by_role("link", name="обновите список").click()
    page.get_by_text("не выбран: включены только отдельные товары").first.wait_for()

    # Remove the group rule from the rules list.
    page.goto("/catalog")
    _mark(page)
    rules = page.locator("#catalog-rules")
    assert rules.locator("tr[data-entity]").count() == 3
    rules.locator(f'tr[data-id="{coffee}"]').get_by_role("button", name="Удалить").click()
    rules.locator(f'tr[data-id="{coffee}"]').wait_for(state="detached")
    assert page.locator("#catalog-rules tr[data-entity]").count() == 2
    assert _not_reloaded(page)

    # The CSV has every product with its decision.
    with page.expect_download() as info:
        page.get_by_role("link", name="Выгрузить CSV").click()
    download = info.value
    assert download.suggested_filename.startswith("evosync-catalog-")
    with open(download.path(), encoding="utf-8-sig") as handle:
        text = handle.read()
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    synced = [r for r in rows[1:] if r[-2] == "да"]
    assert [r[2] for r in synced] == [r[2] for r in rows[1:] if r[3] == cake]
    store_2 = [r for r in rows[1:] if r[0] == "Склад №2"]
    # A forbidden product says why it is never published, whatever the rules; the rest say the rule.
    rule_reason = "не выбран: включены только отдельные магазины"
    assert store_2 and all(r[-1] == rule_reason or r[-1].startswith("не публикуется") for r in store_2)
    assert any(r[-1] == rule_reason for r in store_2)
    assert page.csp_violations == []
