"""The merchant's console in real Chromium: a toggle answers with its effect and can be undone, one toggle is
one request that changes only its row and the summary, times in МСК, prices in roubles."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from evosync.catalog.models import CatalogGroup, CatalogProduct
from evosync.connections.service import save_tokens
from evosync.extensions import db as _db
from evosync.sandbox import catalog as demo
from tests.factories import browser_login

pytestmark = pytest.mark.browser
NBSP = "\u00a0"


@pytest.fixture
def app_config(app_config, sandbox):
    """The app (and the live server built from it) talks to the sandbox."""
    return {**app_config, **sandbox.config()}


@pytest.fixture
def shop_page(page, app, make_user, sandbox):
    """A logged-in merchant whose catalog has been refreshed from the sandbox through the page."""
    _open_shop(page, app, make_user, sandbox)
    return page


def _open_shop(page, app, make_user, sandbox, email="console@example.ru"):
    """Log a new merchant with Evotor connected in and refresh their catalog through the page; the user."""
    user = make_user(email=email)
    with app.app_context():
        save_tokens(user.id, "evotor", sandbox.evotor_token, auth_method="token")
        _db.session.commit()
    browser_login(page, email)
    page.goto("/catalog")
    page.get_by_role("button", name="Обновить каталог").click()
    page.get_by_text("Каталог обновлён").wait_for(timeout=30_000)
    page.reload()
    return user


def _id(app, model, name):
    with app.app_context():
        return _db.session.scalar(select(model.evotor_id).where(model.name.startswith(name)).limit(1))


def _row(page, entity_id):
    return page.locator(f'tr[data-id="{entity_id}"]').first


def _synced(page) -> int:
    return int(page.locator("#summary-synced").inner_text())


def test_the_zero_of_300_trap_warns_and_undo_restores_the_count(shop_page, app):
    page = shop_page
    coffee, desserts = _id(app, CatalogGroup, "Кофе"), _id(app, CatalogGroup, "Десерты")
    page.goto(f"/catalog/stores/{demo.STORE_1}")
    _row(page, coffee).locator("button[data-mode=include]").click()
    _row(page, coffee).get_by_text("Было 0 → станет").wait_for()
    selected = _synced(page)
    assert selected > 0
    # «Включить» on one dessert (its group is not selected): the product level becomes «only included».
    page.goto(f"/catalog/products?store={demo.STORE_1}&group={desserts}")
    cake = _id(app, CatalogProduct, "Чизкейк")
    _row(page, cake).locator("button[data-mode=include]").click()
    note = _row(page, cake).get_by_test_id("row-effect")
    note.wait_for()
    text = note.inner_text()
    assert f"Было {selected} → станет 0 из 300" in text
    assert "Не синхронизируется ни один товар" in text
    assert "Для этой строки правило ничего не изменило" in text
    assert _synced(page) == 0
    assert "ВКонтакте не попадёт ни один товар" in page.locator("#catalog-summary").inner_text()
    page.shot("trap-warning")
    # One click puts the previous rule set back: the count and the row are as before.
    note.get_by_role("button", name="Отменить").click()
    page.get_by_text(f"Правила возвращены: было 0 → стало {selected} из 300").wait_for()
    assert _synced(page) == selected
    _row(page, cake).locator("button[data-mode=clear][aria-pressed=true]").wait_for()
    page.shot("undone")
    assert page.csp_violations == []


def test_a_toggle_is_one_request_and_changes_only_its_row_and_the_summary(shop_page, app):
    page = shop_page
    page.goto(f"/catalog/stores/{demo.STORE_1}")
    _row(page, _id(app, CatalogGroup, "Выпечка")).locator("button[data-mode=include]").click()
    page.get_by_test_id("row-effect").wait_for()
    page.goto(f"/catalog/products?store={demo.STORE_1}")
    rows = page.locator("#catalog-products tbody tr")
    target = rows.nth(2)
    target_id = target.get_attribute("data-id")
    before = rows.evaluate_all("rows => rows.map(r => r.outerHTML)")
    summary_before = page.locator("#catalog-summary").inner_text()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(f"{r.method} {r.url}"))
    page.evaluate("window.__noReload = 1")
    target.locator("button[data-mode=exclude]").click()
    _row(page, target_id).locator("button[data-mode=exclude][aria-pressed=true]").wait_for()
    page.wait_for_load_state("networkidle")
    assert [r.split("/", 3)[-1] for r in requests] == ["catalog/filters"]
    assert requests[0].startswith("POST ")
    after = rows.evaluate_all("rows => rows.map(r => r.outerHTML)")
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert changed == [2]
    assert page.locator("#catalog-summary").inner_text() != summary_before
    assert page.evaluate("window.__noReload") == 1


def test_times_in_moscow_then_in_the_chosen_zone(shop_page):
    page = shop_page
    line = page.get_by_test_id("refreshed-at")
    moscow = re.search(r"Обновлён (\d\d)\.\d\d\.\d{4} (\d\d):(\d\d)\sМСК", line.inner_text())
    assert moscow, line.inner_text()
    assert "UTC" not in page.content()
    page.goto("/account")
    page.select_option("select[name=timezone]", "Asia/Yekaterinburg")
    page.locator("#timezone-form").get_by_role("button", name="Сохранить").click()
    page.get_by_text("Часовой пояс сохранён: Екатеринбург (МСК+2).").wait_for()
    page.goto("/catalog")
    ekb = re.search(
        r"Обновлён \d\d\.\d\d\.\d{4} (\d\d):(\d\d)\sМСК\+2", page.get_by_test_id("refreshed-at").inner_text()
    )
    assert ekb
    assert (int(ekb.group(1)) - int(moscow.group(2))) % 24 == 2


def test_prices_read_as_roubles_and_shared_group_names_carry_the_store(shop_page):
    page = shop_page
    page.goto("/catalog/products?q=зёрнах")
    assert page.get_by_test_id("price").first.inner_text() == f"1{NBSP}890,00{NBSP}₽"
    page.goto("/catalog/products?q=Снежинка")
    assert page.get_by_test_id("price").first.inner_text() == f"350,50{NBSP}₽"
    page.goto("/catalog/products?q=табак")
    text = page.locator("#catalog-products").inner_text()
    assert "Табак (Кофейня «Ёжик» на Ленина)" in text or "Табак (Склад №2)" in text


def test_search_as_you_type_keeps_the_url_shareable(shop_page):
    page = shop_page
    page.goto("/catalog/products")
    page.evaluate("window.__noReload = 1")
    page.fill("input[name=q]", "зёрнах")
    page.wait_for_url("**/catalog/products?q=*")
    page.locator("#catalog-products").get_by_text("Кофе в зёрнах развесной").wait_for()
    assert page.locator("#products-found").inner_text() == "1"
    assert page.evaluate("window.__noReload") == 1
    shared = page.url
    page.goto("/catalog")
    page.goto(shared)
    assert page.locator("input[name=q]").input_value() == "зёрнах"
    assert page.locator("#products-found").inner_text() == "1"
    # Back to the pushed URL with no snapshot in htmx's cache: the full page, not a bare fragment.
    restore = page.request.get(shared, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<h1" in restore.text() and "Кофе в зёрнах развесной" in restore.text()


def _thumb_rows(app, user_id):
    from evosync.thumbs.models import ProductThumb

    with app.app_context():
        rows = _db.session.scalars(select(ProductThumb).where(ProductThumb.user_id == user_id))
        return {row.product_id: row.note for row in rows}


def test_thumbnails_show_the_evotor_picture_or_the_card(page, app, make_user, sandbox):
    from tests.tasks_plugin import wait_for

    sandbox.reset(products=40)
    pictured = sandbox.add_product(name="Плед с фотографией", price=2166.9, image=True)["id"]
    bomb = sandbox.add_product(name="Плед с испорченной картинкой", price=990, image="bomb")["id"]
    plain = sandbox.add_product(name="Плед без картинки", price=1500)["id"]
    user = _open_shop(page, app, make_user, sandbox, email="thumbs@example.ru")
    # The worker fetches the Evotor pictures after the refresh, in the background.
    notes = wait_for(lambda: (n := _thumb_rows(app, user.id)).get(pictured) and bomb in n and n)
    assert (notes[pictured], notes[bomb], notes.get(plain, "none")) == ("evotor", "too_large", "none")

    page.goto("/catalog/products?q=плед")
    images = page.locator("#catalog-products img[data-testid=thumb]")
    assert images.count() == 3
    page.wait_for_function(
        "() => [...document.querySelectorAll('#catalog-products img[data-testid=thumb]')]"
        ".every(i => i.complete && i.naturalWidth === 96)"
    )
    kinds = {}
    for row_id in (pictured, bomb, plain):
        image = _row(page, row_id).get_by_test_id("thumb")
        assert (image.get_attribute("width"), image.get_attribute("height")) == ("48", "48")
        assert image.get_attribute("loading") == "lazy"
        kinds[row_id] = page.request.get(image.get_attribute("src")).headers["content-type"]
    assert kinds == {pictured: "image/jpeg", bomb: "image/webp", plain: "image/webp"}
    box = _row(page, pictured).get_by_test_id("thumb").bounding_box()
    assert (round(box["width"]), round(box["height"])) == (48, 48)
    page.shot("thumbnails")
    assert page.csp_violations == []


def _rule_names(page) -> list[str]:
    return sorted(page.locator("#catalog-rules tbody tr").all_inner_texts())


def test_undo_after_reset_all_restores_the_previous_rules_and_count(shop_page, app):
    page = shop_page
    page.goto("/catalog")
    _row(page, demo.STORE_1).locator("button[data-mode=include]").click()
    _row(page, demo.STORE_1).get_by_test_id("row-effect").wait_for()
    page.goto(f"/catalog/stores/{demo.STORE_1}")
    coffee = _id(app, CatalogGroup, "Кофе")
    _row(page, coffee).locator("button[data-mode=exclude]").click()
    _row(page, coffee).get_by_test_id("row-effect").wait_for()
    page.goto("/catalog")
    selected, rules = _synced(page), _rule_names(page)
    assert selected > 0 and len(rules) == 2

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Сбросить все").click()
    page.get_by_test_id("not-configured").first.wait_for()
    assert _synced(page) == 0
    expect(page.locator("#catalog-rules tbody tr")).to_have_count(0)
    page.shot("after-reset")

    page.locator("#catalog-summary").get_by_role("button", name="Отменить").click()
    page.get_by_text(f"Правила возвращены: было 0 → стало {selected} из 300").wait_for()
    expect(page.locator("#catalog-rules tbody tr")).to_have_count(2)
    assert _synced(page) == selected and _rule_names(page) == rules
    _row(page, demo.STORE_1).locator("button[data-mode=include][aria-pressed=true]").wait_for()
    page.shot("reset-undone")
    assert page.csp_violations == []


@pytest.fixture
def fir_shop_page(page, app, make_user, sandbox):
    """The shop page, with three fir trees spelt with Е, Ё and in capitals added to Evotor before its refresh."""
    for name in ("ёлка искусственная", "ЕЛКА сосновая", "Елка живая"):
        sandbox.add_product(name=name, price=100)
    _open_shop(page, app, make_user, sandbox)
    return page


@pytest.mark.both_databases
def test_search_and_sort_the_russian_way(fir_shop_page):
    """«елочная» finds «Ёлочная…», Ё sorts with Е whatever the case, and «Булочка» comes before «Ёлочная»."""
    page = fir_shop_page
    page.goto("/catalog/products")
    page.fill("input[name=q]", "елочная")
    expect(page.locator("#products-found")).to_have_text("1")
    expect(page.locator("#catalog-products tbody tr")).to_have_count(1)
    assert page.locator("#catalog-products tbody tr").inner_text().startswith("Ёлочная игрушка")

    page.fill("input[name=q]", "ЕЛКА")
    page.wait_for_url("**/catalog/products?q=*")
    expect(page.locator("#products-found")).to_have_text("3")
    names = [
        row.split("\n")[0].strip() for row in page.locator("#catalog-products tbody tr").all_inner_texts()
    ]
    assert names == ["Елка живая", "ёлка искусственная", "ЕЛКА сосновая"]

    page.fill("input[name=q]", "лоч")  # «Бу-лоч-ка» and «Ё-лоч-ная»
    page.wait_for_url("**/catalog/products?q=%D0%BB%D0%BE%D1%87*")
    expect(page.locator("#catalog-products").get_by_text("Булочка с корицей").first).to_be_visible()
    names = [
        row.split("\n")[0].strip() for row in page.locator("#catalog-products tbody tr").all_inner_texts()
    ]
    bun = next(i for i, n in enumerate(names) if n.startswith("Булочка"))
    assert bun < next(i for i, n in enumerate(names) if n.startswith("Ёлочная")), names
    page.shot("russian-search-and-sort")
