"""Journey: register → log in → log out, in real headless Chromium."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_register_login_logout_in_the_browser(page, live_server_url):
    page.goto("/register")
    page.fill("input[name=email]", "browser@example.ru")
    page.fill("input[name=password]", "browser pass phrase")
    page.click("button[type=submit]")
    assert page.locator("h1").inner_text() == "Проверьте почту"
    page.get_by_role("link", name="войдите").click()
    page.fill("input[name=email]", "browser@example.ru")
    page.fill("input[name=password]", "browser pass phrase")
    page.click("button[type=submit]")
    page.wait_for_url("**/connections")
    assert page.locator("h1").inner_text() == "Подключения"
    assert page.get_by_role("link", name="Каталог").is_visible()
    assert page.get_by_role("link", name="Синхронизация").is_visible()

    page.get_by_role("button", name="Выйти").click()
    page.wait_for_url("**/login")
    assert "Вы вышли из аккаунта" in page.content()
    page.goto("/connections")
    page.wait_for_url(lambda url: "/login?next=" in url)

    page.fill("input[name=email]", "browser@example.ru")
    page.fill("input[name=password]", "wrong password here")
    page.click("button[type=submit]")
    assert "Неверная почта или пароль" in page.content()

    page.fill("input[name=email]", "browser@example.ru")
    page.fill("input[name=password]", "browser pass phrase")
    page.click("button[type=submit]")
    page.wait_for_url("**/connections")
    assert page.csp_violations == []
