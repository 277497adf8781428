"""Journeys 1 (end) and 2 in real Chromium: plan preview, confirm, «Синхронизировать сейчас», progress,
history, an item error with its hint and «Повторить» — against the sandbox."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from evosync.catalog.refresh import refresh_catalog
from evosync.connections.clients import evotor_client_for
from evosync.connections.health import check_connection
from evosync.connections.queries import get_connection
from evosync.extensions import db as _db
from evosync.sandbox import images as sandbox_images
from evosync.sync.config import problems
from evosync.sync.engine import source
from tests.factories import browser_login
from tests.sync.conftest import connect, live_items

pytestmark = pytest.mark.browser

PASSWORD = "browser pass phrase"


@pytest.fixture
def app_config(app_config, sandbox):
    """Small catalog, fast VK limit: the journey is about the UI, not the rate."""
    sandbox.reset(products=60, vk_rps=50)
    return {**app_config, **sandbox.config(), "VK_RPS": 50, "VK_RETRY_BASE": 0.01}


def test_preview_confirm_run_history_error_and_retry(page, app, make_user, sandbox):
    user = make_user(email="sync@example.ru", password=PASSWORD)
    # The merchant picked store 1 in the catalog (the page needs one selected store to confirm).
    connect(app, user.id, sandbox, enabled=False, stores=[sandbox.store_ids[0]])
    bad = sandbox.product_id(11)  # 10 is cider: forbidden, never sent
    sandbox.set_product(bad, description="Заказ на сайте www.example.com — скидки")
    with app.app_context():
        for provider in ("evotor", "vk"):
            check_connection(get_connection(user.id, provider))
        _db.session.commit()  # the refresh takes the catalog lock in its own transaction
        refresh_catalog(user.id, evotor_client_for(user.id), lambda *a: None)
        _db.session.commit()
        creates = len(source.preview(user.id).creates)

    page.goto("/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/connections")
    page.goto("/sync")
    preview = page.get_by_test_id("sync-preview")
    preview.wait_for()
    assert f"Будет создано {creates}," in preview.inner_text() and creates > 20

    # Switch on (the switch was off after connecting), then confirm: the first run starts.
    page.locator("#sync-switch input[type=checkbox]").check()
    confirm = page.locator("#sync-confirm")
    confirm.wait_for()
    expect(confirm).to_be_enabled()
    confirm.click()
    page.get_by_text("Первая синхронизация запущена").wait_for()
    # The progress panel picks the started run up by itself (no reload): progress, then its result.
    page.get_by_test_id("sync-last").wait_for(timeout=60_000)
    expect(page.locator("#sync-history tbody tr")).to_have_count(1, timeout=10_000)

    page.reload()
    page.get_by_test_id("sync-last").wait_for(timeout=60_000)
    history = page.get_by_test_id("sync-history")
    assert "частично" in history.inner_text() and "вручную" in history.inner_text()
    errors = page.get_by_test_id("sync-errors")
    assert "ссылки" in errors.inner_text()
    assert page.locator("#sync-history [data-testid=sync-chart] g rect").count() == 1

    # «Синхронизировать сейчас»: the progress shows, then the history grows by one run.
    page.get_by_role("button", name="Синхронизировать сейчас").click()
    page.get_by_test_id("sync-last").wait_for(timeout=60_000)
    expect(page.locator("#sync-history tbody tr")).to_have_count(2, timeout=60_000)

    # Fix the product in Evotor and retry just that item.
    sandbox.set_product(bad, description="Обычное описание без адресов")
    page.get_by_test_id("sync-errors").get_by_role("button", name="Повторить", exact=True).first.click()
    expect(page.locator("#sync-history tbody tr")).to_have_count(3, timeout=60_000)
    assert "успешно" in page.locator("#sync-history tbody tr").first.inner_text()
    assert page.get_by_test_id("sync-errors").count() == 0
    assert bad in {i["pid"] for i in live_items(sandbox, app, user.id)}
    assert page.csp_violations == []


def test_a_run_failing_on_a_revoked_vk_token_turns_active_into_paused_without_a_reload(
    page, app, make_user, sandbox
):
    user = make_user(email="revoked@example.ru", password=PASSWORD)
    connect(app, user.id, sandbox, stores=[sandbox.store_ids[0]])
    with app.app_context():
        for provider in ("evotor", "vk"):
            check_connection(get_connection(user.id, provider))
        _db.session.commit()
    browser_login(page, user.email, PASSWORD)
    page.goto("/sync")
    label = page.locator("#sync-status-label")
    expect(label).to_have_attribute("data-status", "active")
    assert label.inner_text() == "Активна"
    page.evaluate("window.__noReload = 1")

    # The merchant revoked EvoSync's access in VK (access and refresh tokens): the next run fails on it.
    assert sandbox.revoke(kind="vk_access") and sandbox.revoke(kind="vk_refresh")
    page.get_by_role("button", name="Синхронизировать сейчас").click()
    expect(label).to_have_attribute("data-status", "paused", timeout=60_000)
    assert label.inner_text() == "Приостановлена"
    assert "Активна" not in page.locator("#sync-status").inner_text()
    assert page.evaluate("window.__noReload") == 1
    # The reason is said once, in full, in the status card with the reconnect button; elsewhere briefly.
    expect(page.locator("#sync-history tbody tr")).to_have_count(1, timeout=30_000)
    with app.app_context():
        text = problems._vk_revoked().text
    body = page.locator("body").inner_text()
    assert body.count(text) == 1 and text in page.locator("#sync-status").inner_text()
    assert body.count("Доступ к ВКонтакте отозван") == 0  # the engine's stored sentence is not repeated
    assert page.locator("#sync-status").get_by_role("link", name="Подключить ВКонтакте заново").count() == 1
    assert page.locator("#confirm-hint").inner_text() == "Нельзя подтвердить: доступ ВКонтакте отозван."
    assert page.get_by_test_id("sync-last").inner_text().endswith(" — доступ ВКонтакте отозван")
    assert "доступ ВКонтакте отозван" in page.locator("#sync-history tbody tr").first.inner_text()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.shot("paused-after-revoked-token-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.shot("paused-after-revoked-token-390")
    assert page.csp_violations == []


def test_the_multiplier_reads_with_a_comma_and_shared_group_names_carry_their_store(
    page, app, make_user, sandbox
):
    user = make_user(email="settings@example.ru", password=PASSWORD)
    connect(app, user.id, sandbox, stores=[sandbox.store_ids[0]])
    browser_login(page, user.email, PASSWORD)
    page.goto("/sync")
    field = page.locator("#price_multiplier")
    assert field.input_value() == "1,00"
    for typed, shown in (("1.15", "1,15"), ("1,2", "1,20")):
        field.fill(typed)
        page.locator("#settings-form").get_by_role("button", name="Сохранить").click()
        page.get_by_text("Настройки сохранены").wait_for()
        field = page.locator("#price_multiplier")
        assert field.input_value() == shown
    assert "1.10" not in page.locator("#settings-form").inner_text().replace("точкой: 1.10", "")

    # Two stores both have a «Табак» group: each row says which store it is.
    rows = page.get_by_test_id("group-category")
    rows.first.wait_for()
    labels = [row.locator("label").inner_text() for row in rows.all()]
    assert "Табак (Кофейня «Ёжик» на Ленина)" in labels and "Табак (Склад №2)" in labels
    assert "Табак" not in labels and "Кофе" in labels
    # The placeholder's file picker speaks Russian (the browser's own button would not) and names the file.
    picked = page.locator('[data-file-name-for="placeholder-file"]')
    assert picked.inner_text() == "Файл не выбран"
    assert page.get_by_text("Выбрать файл…").is_visible()
    photo = {"name": "заглушка.jpg", "mimeType": "image/jpeg", "buffer": sandbox_images.jpeg(400, 400)}
    page.set_input_files("#placeholder-file", files=[photo])
    expect(picked).to_have_text("заглушка.jpg")
    page.locator("#group-categories").scroll_into_view_if_needed()
    page.shot("settings-multiplier-and-group-names")
    assert page.csp_violations == []
