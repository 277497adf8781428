"""/sync says each reason the sync stopped exactly once — in the status card, with what to do — and the other
places (badge, confirm hint, last run, run history) only briefly. Real Chromium against the sandbox, at a
desktop (1280×900) and a phone (390 px) width."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from evosync.connections.health import check_connection
from evosync.connections.queries import get_connection
from evosync.extensions import db as _db
from evosync.sync.config import problems
from tests.factories import browser_login, connect_accounts
from tests.sync.conftest import connect

pytestmark = pytest.mark.browser

PASSWORD = "browser pass phrase"
DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}


@pytest.fixture
def app_config(app_config, sandbox):
    sandbox.reset(products=30, vk_rps=50)
    return {**app_config, **sandbox.config(), "VK_RPS": 50, "VK_RETRY_BASE": 0.01}


def _active_user(app, make_user, sandbox, email: str):
    user = make_user(email=email, password=PASSWORD)
    connect(app, user.id, sandbox, stores=[sandbox.store_ids[0]])
    with app.app_context():
        for provider in ("evotor", "vk"):
            check_connection(get_connection(user.id, provider))
        _db.session.commit()
    return user


def _said_once(page, text: str) -> None:
    """The whole sentence is on the page exactly once, inside the status card, and nothing overflows."""
    body = page.locator("body").inner_text()
    assert body.count(text) == 1, body
    assert text in page.locator("#sync-status").inner_text()
    _fits(page)


WIDER = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && e.offsetParent !== null)
  .map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))
  .slice(0, 8)"""


# A table in a scrolling box would fit the page while hiding its last columns from a phone.
SCROLLING_TABLES = """() => [...document.querySelectorAll('.table-responsive')]
  .filter(e => e.scrollWidth > e.clientWidth + 1 && e.offsetParent !== null)
  .map(e => (e.closest('section') || e).id + ' ' + e.scrollWidth + '>' + e.clientWidth)"""


def _fits(page) -> None:
    wider = page.evaluate(WIDER)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), wider
    assert page.evaluate(SCROLLING_TABLES) == []


def _both_widths(page, label: str) -> None:
    page.set_viewport_size(DESKTOP)
    page.shot(f"{label}-1280")
    page.set_viewport_size(PHONE)
    _fits(page)
    page.shot(f"{label}-390")
    page.set_viewport_size(DESKTOP)


def _run_until_paused(page) -> None:
    label = page.locator("#sync-status-label")
    expect(label).to_have_attribute("data-status", "active")
    page.get_by_role("button", name="Синхронизировать сейчас").click()
    expect(label).to_have_attribute("data-status", "paused", timeout=60_000)
    expect(page.locator("#sync-history tbody tr")).to_have_count(1, timeout=30_000)
    assert label.inner_text() == "Приостановлена"


def test_a_revoked_evotor_token_is_explained_once_with_where_to_put_a_new_one(page, app, make_user, sandbox):
    user = _active_user(app, make_user, sandbox, "evotor-revoked@example.ru")
    browser_login(page, user.email, PASSWORD)
    page.set_viewport_size(DESKTOP)
    page.goto("/sync")
    assert sandbox.revoke(kind="evotor")
    _run_until_paused(page)
    with app.app_context():
        text = problems._evotor_revoked().text
    _said_once(page, text)
    card = page.locator("#sync-status")
    expect(card.get_by_role("link", name="Обновить токен Эвотора")).to_have_attribute("href", "/connections")
    assert "токен Эвотора не работает" in page.locator("#sync-history tbody tr").first.inner_text()
    assert page.locator("#confirm-hint").inner_text() == "Нельзя подтвердить: токен Эвотора не работает."
    _both_widths(page, "evotor-revoked")
    assert page.csp_violations == []


def test_market_off_links_to_the_community_and_says_where_the_switch_is(page, app, make_user, sandbox):
    user = _active_user(app, make_user, sandbox, "market-off@example.ru")
    browser_login(page, user.email, PASSWORD)
    page.set_viewport_size(DESKTOP)
    page.goto("/sync")
    sandbox.set_market(False)
    _run_until_paused(page)
    with app.app_context():
        text = problems.market_off(get_connection(user.id, "vk")).text
    _said_once(page, text)
    assert "«Управление» → «Разделы» → «Товары»" in text
    link = page.locator("#sync-status").get_by_role("link", name="Открыть сообщество во ВКонтакте ↗")
    assert (
        link.get_attribute("href").startswith("https://vk.com/") and link.get_attribute("target") == "_blank"
    )
    # Not the reconnect button: reconnecting cannot switch a community's Market on.
    assert page.get_by_role("link", name="Подключить ВКонтакте заново").count() == 0
    assert "в сообществе выключены «Товары»" in page.locator("#sync-history tbody tr").first.inner_text()
    _both_widths(page, "market-off")
    assert page.csp_violations == []


def test_a_captcha_is_explained_once_with_what_to_do(page, app, make_user, sandbox):
    user = _active_user(app, make_user, sandbox, "captcha@example.ru")
    browser_login(page, user.email, PASSWORD)
    page.set_viewport_size(DESKTOP)
    page.goto("/sync")
    sandbox.fault("vk_error", code=14)
    _run_until_paused(page)
    _said_once(page, problems.captcha().text)
    link = page.locator("#sync-status").get_by_role("link", name="Открыть ВКонтакте ↗")
    assert link.get_attribute("href") == "https://vk.com/"
    assert "ВКонтакте просит капчу" in page.locator("#sync-history tbody tr").first.inner_text()
    _both_widths(page, "captcha")
    sandbox.clear_faults()
    assert page.csp_violations == []


def test_not_configured_is_explained_once_with_the_catalog_link(page, app, make_user, sandbox):
    user = make_user(email="not-configured@example.ru", password=PASSWORD)
    connect_accounts(app, user.id, sandbox)
    browser_login(page, user.email, PASSWORD)
    page.set_viewport_size(DESKTOP)
    page.goto("/sync")
    assert page.locator("#sync-status-label").inner_text() == "Не настроено"
    _said_once(page, problems.NOT_CONFIGURED_RU)
    card = page.locator("#sync-status")
    expect(card.get_by_role("link", name="Открыть каталог")).to_have_attribute("href", "/catalog")
    # «Синхронизировать сейчас» is refused in a few words: the card above already says it in full.
    page.get_by_role("button", name="Синхронизировать сейчас").click()
    page.get_by_text("Не запущено — не настроено: в каталоге ничего не выбрано.").wait_for()
    _said_once(page, problems.NOT_CONFIGURED_RU)
    _both_widths(page, "not-configured")
    assert page.csp_violations == []
