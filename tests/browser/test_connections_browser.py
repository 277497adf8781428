"""Journeys 1 (connection part) and 3 in real Chromium against the sandbox."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

PASSWORD = "browser pass phrase"


@pytest.fixture
def browser_user(make_user):
    return make_user(email="shop@example.ru", password=PASSWORD)


def _login(page, email):
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/connections")


def _card(page, provider):
    return page.locator(f"#{provider}-card")


def test_connect_both_pick_community_break_and_reconnect(page, sandbox, browser_user):
    _login(page, browser_user.email)
    assert _card(page, "evotor").locator("[data-status]").inner_text() == "не подключено"

    # Evotor by pasting the sandbox's cloud token.
    page.fill("#evotor-token", sandbox.mint_evotor_token())
    page.get_by_role("button", name="Подключить").click()
    page.wait_for_url("**/connections")
    assert _card(page, "evotor").locator("[data-status]").inner_text() == "работает"

    # VK through the sandbox's VK ID consent page, clicked like a person would.
    page.get_by_role("link", name="Войти через VK ID").click()
    page.get_by_role("button", name="Разрешить").click()
    page.wait_for_url("**/vk/community")
    page.get_by_text("Товары выключены").first.wait_for()
    page.locator(f"input[name=group_id][value='{sandbox.vk_group_id}']").check()
    page.get_by_role("button", name="Выбрать").click()
    page.wait_for_url("**/connections")
    vk = _card(page, "vk")
    assert vk.locator("[data-status]").inner_text() == "работает"
    assert vk.get_by_test_id("vk-name").inner_text().strip()
    assert vk.locator("img.avatar").count() == 1
    assert vk.get_by_test_id("vk-community").inner_text().strip()

    # Journey 3: VK revokes the token; «Проверить сейчас» turns the card red without a reload.
    page.evaluate("window.__marker = 'still-here'")
    sandbox.revoke(user_id=sandbox.vk_user_id)
    vk.get_by_role("button", name="Проверить сейчас").click()
    expect_text = "Токен отозван — подключите ВКонтакте заново"
    page.get_by_text(expect_text).wait_for()
    assert _card(page, "vk").locator("[data-status]").inner_text() == "ошибка"
    assert page.evaluate("window.__marker") == "still-here"

    # Reconnect → green again, community kept.
    page.get_by_role("link", name="Подключить ВКонтакте заново").click()
    page.get_by_role("button", name="Разрешить").click()
    page.wait_for_url(re.compile(r".*/connections$"))
    assert _card(page, "vk").locator("[data-status]").inner_text() == "работает"
    assert page.csp_violations == []


def test_evotor_oauth_and_disconnect(page, sandbox, browser_user):
    _login(page, browser_user.email)
    page.get_by_role("link", name="Войти через Эвотор").click()
    page.get_by_role("button", name="Разрешить доступ").click()
    page.wait_for_url("**/connections")
    assert _card(page, "evotor").locator("[data-status]").inner_text() == "работает"

    _card(page, "evotor").get_by_role("link", name="Отключить").click()
    page.get_by_role("button", name="Да, отключить").click()
    page.wait_for_url("**/connections")
    assert _card(page, "evotor").locator("[data-status]").inner_text() == "не подключено"
    assert "Эвотор отключён" in page.content()
    assert page.csp_violations == []


def test_the_community_picker_preselects_the_current_community(page, app, sandbox, browser_user):
    from evosync.sandbox import vk_demo
    from tests.factories import connect_accounts

    connect_accounts(app, browser_user.id, sandbox, group_id=vk_demo.MARKET_OFF_GROUP_ID)
    _login(page, browser_user.email)
    _card(page, "vk").get_by_role("link", name="сменить").click()
    page.wait_for_url("**/vk/community")
    radios = page.locator("input[name=group_id]")
    assert radios.count() >= 2
    checked = page.locator("input[name=group_id]:checked")
    assert checked.count() == 1 and checked.get_attribute("value") == str(vk_demo.MARKET_OFF_GROUP_ID)
    page.shot("current-community-preselected")

    # Pick the other shop: the next visit preselects that one.
    page.locator(f"input[name=group_id][value='{vk_demo.SHOP_GROUP_ID}']").check()
    page.get_by_role("button", name="Выбрать").click()
    page.wait_for_url("**/connections")
    page.goto("/vk/community")
    assert page.locator("input[name=group_id]:checked").get_attribute("value") == str(vk_demo.SHOP_GROUP_ID)
    assert page.csp_violations == []
