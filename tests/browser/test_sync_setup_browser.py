"""Journey 1's end in real Chromium (CSRF on, sandbox): /sync goes from «Не настроено» to «Активна»."""

from __future__ import annotations

from datetime import timedelta

import pytest

pytestmark = pytest.mark.browser

PASSWORD = "browser pass phrase"


@pytest.fixture
def app_config(app_config, sandbox):
    """Small catalog, fast VK limit: the first run the confirmation queues ends quickly (the worker waits
    for it before the test ends); the journey is about the page, not the rate."""
    sandbox.reset(products=60, vk_rps=50)
    return {**app_config, "VK_RPS": 50}


@pytest.fixture
def connected_user(app, make_user, sandbox, runner):
    """A user whose Evotor and VK connections are seeded with sandbox tokens and pass a real health check."""
    from evosync.connections.service import save_tokens
    from evosync.db import utcnow
    from evosync.extensions import db

    user = make_user(email="shop@example.ru", password=PASSWORD)
    vk = sandbox.mint_vk_tokens()
    with app.app_context():
        save_tokens(user.id, "evotor", sandbox.mint_evotor_token(), auth_method="token")
        connection = save_tokens(
            user.id,
            "vk",
            vk["access_token"],
            refresh_token=vk["refresh_token"],
            device_id=vk["device_id"],
            expires_at=utcnow() + timedelta(seconds=vk["expires_in"]),
            scope="market photos groups offline",
        )
        connection.vk_group_id = sandbox.vk_group_id
        connection.vk_group_name = "Демо-магазин"
        db.session.commit()
    result = runner.invoke(args=["connections", "check", "--user", str(user.id)])
    assert result.exit_code == 0, result.output
    return user


def _status(page) -> str:
    return page.locator("#sync-status-label").inner_text().strip()


def test_from_not_configured_to_active(page, connected_user, queue):
    page.goto("/login")
    page.fill("input[name=email]", connected_user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/connections")

    page.locator("#nav").get_by_role("link", name="Синхронизация").click()
    page.wait_for_url("**/sync")
    assert _status(page) == "Не настроено"
    assert page.locator("#sync-confirm").is_disabled()
    assert page.get_by_text("Каталог Эвотора ещё не загружен.").is_visible()

    # Turning it on with no rules at all is refused, and the switch stays off.
    page.locator("#sync-enabled").click()
    page.locator("#switch-message").wait_for()
    assert not page.locator("#sync-enabled").is_checked()

    # Refresh the catalog and include the first store, through the catalog page's own buttons.
    page.locator("#nav").get_by_role("link", name="Каталог").click()
    page.get_by_role("button", name="Обновить каталог").click()
    page.locator("#catalog-refresh .alert-success").wait_for(timeout=30_000)
    page.reload()
    first_store = page.locator("tr[data-entity=store]").first
    first_store.locator("button[data-mode=include]").click()
    first_store = page.locator("tr[data-entity=store]").first
    first_store.locator("button[data-mode=include][aria-pressed=true]").wait_for()

    page.goto("/sync")
    assert _status(page) == "Настроено, ожидает подтверждения"
    assert "Будет синхронизировано" in page.locator("#summary-products").inner_text()
    assert page.locator("#sync-confirm").is_disabled()  # the switch is still off

    page.locator("#sync-enabled").click()
    page.locator("#sync-enabled[data-enabled=yes]").wait_for()
    assert page.locator("#sync-enabled").is_checked()
    page.locator("#sync-confirm:not([disabled])").wait_for()

    page.evaluate("window.__marker = 'same-page'")
    page.locator("#sync-confirm").click()
    page.locator("#sync-status-label[data-status=active]").wait_for()
    assert _status(page) == "Активна"
    assert "Настройки подтверждены" in page.locator("#confirm-notice").inner_text()
    assert page.evaluate("window.__marker") == "same-page"  # HTMX swaps, no reload

    page.reload()
    assert _status(page) == "Активна"

    # Switched off by the merchant: «Приостановлена» in grey with a yellow note — a choice, not a fault.
    page.locator("#sync-enabled").click()
    page.locator("#sync-status-label[data-status=paused]").wait_for()
    assert "text-bg-secondary" in page.locator("#sync-status-label").get_attribute("class")
    assert "alert-warning" in page.locator("[data-problem=switched_off]").get_attribute("class")
    page.shot("switched-off")
    assert page.csp_violations == []
