"""Journey: refresh the catalog, include/exclude rows with HTMX (no reload), remove a rule, export CSV."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import expect
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


def _log_in_with_evotor(page, app, make_user, sandbox, email: str) -> None:
    """A new merchant with Evotor connected (its sandbox token), logged in through the page."""
    from evosync.connections.service import save_tokens

    user = make_user(email=email)
    with app.app_context():
        save_tokens(user.id, "evotor", sandbox.evotor_token, auth_method="token")
        _db.session.commit()
    browser_login(page, email)


def test_catalog_journey_in_the_browser(page, app, make_user, sandbox):
    _log_in_with_evotor(page, app, make_user, sandbox, "catalog@example.ru")

    # Refresh: the background job's progress is polled, then the page shows the new catalog.
    page.goto("/catalog")
    page.get_by_role("button", name="Обновить каталог").click()
    page.get_by_text("Каталог обновлён").wait_for(timeout=30_000)
    # Marked once the reloaded page lists the stores (the page the refresh started on had none): under load
    # the mark has landed on the old page moments before the reload replaced it.
    _row(page, demo.STORE_1).wait_for()
    page.wait_for_load_state()
    _mark(page)

    # Include store 1: its row swaps in place; store 2 drops out once the table re-renders.
    _row(page, demo.STORE_1).locator("button[data-mode=include]").click()
    _row(page, demo.STORE_1).locator("button[data-mode=include][aria-pressed=true]").wait_for()
    _row(page, demo.STORE_2).get_by_text("не выбран: включены только отдельные магазины").wait_for()
    assert "включён" in _row(page, demo.STORE_1).inner_text()
    # The alcohol and tobacco among its goods never reach VK: the row and the summary say how many.
    expect(_row(page, demo.STORE_1).get_by_test_id("unpublished")).to_contain_text("из них не публикуются:")
    expect(page.get_by_test_id("summary-unpublished")).to_contain_text("не попадут во ВКонтакте")
    # The rules list below the table shows the new rule, and the stores table holds only the stores.
    expect(page.locator("#catalog-rules tr[data-entity=store]")).to_have_text(re.compile("Кофейня"))
    expect(page.locator("#catalog-stores tbody tr")).to_have_count(2)
    expect(page.locator("#catalog-stores")).not_to_contain_text("Сбросить все")
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


def test_a_finished_refresh_reloads_the_page_once_however_slow_the_reload(page, app, make_user, sandbox):
    """The page the poll reloads is held back: the old page, still alive meanwhile, sends no more polls and
    no second reload (which once replaced the reloaded page under the merchant's first click)."""
    _log_in_with_evotor(page, app, make_user, sandbox, "reload@example.ru")
    page.goto("/catalog")
    held, polls = [], []
    page.route("**/catalog", lambda route: held.append(route))  # the reload waits until released below
    page.on("request", lambda request: polls.append(held[:]) if "/catalog/refresh/" in request.url else None)
    page.get_by_role("button", name="Обновить каталог").click()
    for _ in range(150):
        if held:
            break
        page.wait_for_timeout(200)
    assert len(held) == 1, "the finished refresh did not reload the page"
    page.wait_for_timeout(3_000)  # three poll intervals with the reload still on its way
    assert len(held) == 1
    assert [seen for seen in polls if seen] == []  # no poll left the page once the reload was under way
    held[0].continue_()
    page.get_by_text("Каталог обновлён").wait_for()
    assert len(held) == 1
