"""/sync: the four statuses, warnings, the switch, the confirm rules and «what changed since»."""

from __future__ import annotations

import re

import pytest

HX = {"HX-Request": "true"}


def status_of(html: str) -> tuple[str, str]:
    """(data-status code, visible label) of the status badge."""
    match = re.search(r'id="sync-status-label" data-status="([a-z_]+)">([^<]*)<', html)
    assert match, html
    return match.group(1), match.group(2)


def page(client) -> str:
    response = client.get("/sync")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def config_state(app, user) -> tuple[bool, object]:
    from evosync.sync.config.service import get_config

    with app.app_context():
        config = get_config(user.id)
        return (config.is_enabled, config.confirmed_at) if config else (False, None)


def test_login_required(client):
    assert client.get("/sync").status_code == 302
    assert client.post("/sync/toggle", headers=HX).status_code == 401


def test_fresh_user_not_configured_with_warnings(auth_client):
    html = page(auth_client)
    assert status_of(html) == ("not_configured", "Не настроено")
    assert "Эвотор не подключён: " in html and "ВКонтакте не подключён: " in html
    assert 'href="/connections"' in html
    assert re.search(r'id="sync-confirm" disabled', html)
    assert "Настроить фильтры" in html and 'href="/catalog"' in html


def test_not_configured_when_no_store_will_sync(auth_client, user, seed_catalog, add_rule, connect, switch):
    seed_catalog(user)
    connect(user)
    add_rule(user, "store", "S1", "exclude")
    add_rule(user, "store", "S2", "exclude")
    switch(user)
    assert status_of(page(auth_client))[0] == "not_configured"


def test_pending_then_active(auth_client, user, seed_catalog, add_rule, connect, switch):
    seed_catalog(user)
    connect(user)
    add_rule(user, "store", "S1", "include")
    switch(user, enabled=False, confirmed=False)
    assert status_of(page(auth_client)) == ("pending", "Настроено, ожидает подтверждения")
    switch(user, enabled=True, confirmed=False)
    html = page(auth_client)
    assert status_of(html)[0] == "pending"
    assert not re.search(r'id="sync-confirm" disabled', html)
    switch(user, enabled=True, confirmed=True)
    assert status_of(page(auth_client)) == ("active", "Активна")


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        (
            {"paused": "ВКонтакте просит ввести капчу"},
            "ВКонтакте попросил ввести капчу, и синхронизация приостановлена.",
        ),
        ({"vk": "error"}, "Подключение к ВКонтакте не работает."),
        ({"enabled": False}, "Синхронизация выключена: товары во ВКонтакте не обновляются."),
    ],
)
def test_paused(auth_client, user, seed_catalog, add_rule, connect, switch, kwargs, reason):
    """The badge says «Приостановлена»; the reason is said once, in the status card."""
    seed_catalog(user)
    add_rule(user, "store", "S1", "include")
    connect(user, vk=kwargs.get("vk", "ok"))
    switch(user, enabled=kwargs.get("enabled", True), paused=kwargs.get("paused"))
    html = page(auth_client)
    assert status_of(html) == ("paused", "Приостановлена")
    assert html.count(reason) == 1


def test_broken_vk_shows_a_warning_with_the_reason_and_a_link(auth_client, user, connect):
    connect(user, vk="error")
    html = page(auth_client)
    assert "Подключение к ВКонтакте не работает. Токен отозван — подключите заново." in html
    assert "Открыть подключения" in html


def test_missing_community_warns_with_the_picker_link(auth_client, user, connect):
    connect(user, group_id=None)
    assert 'href="/vk/community"' in page(auth_client)


def test_first_enable_without_rules_stays_off(app, auth_client, user):
    response = auth_client.post("/sync/toggle", headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Сначала настройте фильтры" in html
    assert 'data-enabled="no"' in html
    assert config_state(app, user)[0] is False


def test_toggle_flips_and_updates_the_status_out_of_band(
    app, auth_client, user, seed_catalog, add_rule, connect
):
    seed_catalog(user)
    connect(user)
    add_rule(user, "store", "S1", "include")
    html = auth_client.post("/sync/toggle", headers=HX).get_data(as_text=True)
    assert 'data-enabled="yes"' in html
    assert 'id="sync-status" class="card mb-3" hx-swap-oob="true"' in html
    assert config_state(app, user)[0] is True
    auth_client.post("/sync/toggle", headers=HX)
    assert config_state(app, user)[0] is False


def test_toggle_without_htmx_redirects(app, auth_client, user, add_rule):
    add_rule(user, "store", "S1", "include")
    response = auth_client.post("/sync/toggle")
    assert response.status_code == 303 and response.headers["Location"].endswith("/sync")
    assert config_state(app, user)[0] is True


def test_switching_off_after_confirming_keeps_it_off_for_cron(app, runner, auth_client, ready_shop):
    auth_client.post("/sync/toggle", headers=HX)
    assert runner.invoke(args=["sync-config", "--all"]).stdout.strip() == "[]"
    enabled, confirmed = config_state(app, ready_shop)
    assert enabled is False and confirmed is not None


def test_confirm_sets_confirmed_at(
    app, auth_client, user, seed_catalog, add_rule, connect, switch, first_runs
):
    seed_catalog(user)
    connect(user)
    add_rule(user, "store", "S1", "include")
    switch(user, enabled=True, confirmed=False)
    response = auth_client.post("/sync/confirm", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert status_of(html) == ("active", "Активна")
    assert "Настройки подтверждены" in html
    assert config_state(app, user)[1] is not None
    assert first_runs() == [user.id] and "Первая синхронизация запущена" in html


def test_confirm_lifts_an_engine_pause(app, auth_client, user, seed_catalog, add_rule, connect, switch):
    from evosync.sync.config.service import is_ready

    seed_catalog(user)
    connect(user)
    add_rule(user, "store", "S1", "include")
    switch(user, paused="ВКонтакте просит ввести капчу")
    assert status_of(auth_client.post("/sync/confirm", headers=HX).get_data(as_text=True))[0] == "active"
    with app.app_context():
        assert is_ready(user.id)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("off", "Сначала включите синхронизацию"),
        ("no_store", "нужно хотя бы одно правило и один выбранный магазин"),
        ("no_rules", "нужно хотя бы одно правило и один выбранный магазин"),
        ("vk_broken", "подключение к ВКонтакте не работает"),
        ("evotor_missing", "Эвотор не подключён"),
        ("no_catalog", "нужно хотя бы одно правило и один выбранный магазин"),
    ],
)
def test_confirm_refused_changes_nothing(
    app, auth_client, user, seed_catalog, add_rule, connect, switch, case, message, first_runs
):
    if case != "no_catalog":
        seed_catalog(user)
    if case == "no_store":
        add_rule(user, "store", "S1", "exclude")
        add_rule(user, "store", "S2", "exclude")
    elif case != "no_rules":
        add_rule(user, "store", "S1", "include")
    connect(
        user, vk="error" if case == "vk_broken" else "ok", evotor=None if case == "evotor_missing" else "ok"
    )
    switch(user, enabled=case != "off", confirmed=False)
    before = config_state(app, user)
    response = auth_client.post("/sync/confirm", headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert first_runs() == []
    assert 'id="confirm-message"' in html and message in html
    assert config_state(app, user) == before
    # Without HTMX: the same refusal as a flash message after a redirect, still nothing changed.
    plain = auth_client.post("/sync/confirm", follow_redirects=True)
    assert message in plain.get_data(as_text=True)
    assert config_state(app, user) == before


def test_rule_changes_after_confirmation_are_listed(
    app, auth_client, user, seed_catalog, add_rule, connect, switch
):
    from evosync.catalog import queries
    from evosync.catalog.service import set_filter
    from evosync.extensions import db
    from evosync.rules import queries as rules_queries
    from evosync.rules.service import remove_rule

    seed_catalog(user)
    connect(user)
    add_rule(user, "store", "S1", "include", "Центр")
    add_rule(user, "group", "A", "exclude", "Кофе")
    switch(user, confirmed=False)
    auth_client.post("/sync/confirm", headers=HX)
    assert 'id="sync-changes"' not in page(auth_client)
    with app.app_context():
        set_filter(user.id, "group", queries.get_entity_for_user(user.id, "group", "B"), "exclude")
        remove_rule(user.id, next(r for r in rules_queries.rules(user.id) if r.entity_id == "A"))
        db.session.commit()
    html = page(auth_client)
    assert status_of(html)[0] == "active"  # the confirmation stands
    assert "добавлено правило: группа «Чай &#34;Листовой&#34;» — исключён" in html
    assert "удалено правило: группа «Кофе» (исключён)" in html
    auth_client.post("/sync/confirm", headers=HX)
    assert 'id="sync-changes"' not in page(auth_client)


def test_bulk_rule_reset_counts_as_a_change(app, auth_client, ready_shop):
    from evosync.extensions import db
    from evosync.rules.queries import rules_changed_at
    from evosync.rules.service import reset_rules

    with app.app_context():
        reset_rules(ready_shop.id)
        db.session.commit()
        assert rules_changed_at(ready_shop.id) is not None


def test_summary_counts(auth_client, user, seed_catalog, add_rule):
    seed_catalog(user)
    add_rule(user, "store", "S2", "exclude")
    add_rule(user, "group", "B", "exclude")
    add_rule(user, "product", "a1", "exclude")
    html = page(auth_client)
    assert "Будет синхронизировано 1 из 4 товаров" in html
    assert "(1 из 2 магазинов)" in html
    cell = r"<td class=\"text-end\">(\d+)</td>"
    rows = re.findall(rf"<tr><td>(\w+)</td><td>([^<]+)</td>{cell}{cell}</tr>", html)
    assert rows == [
        ("Магазины", "все, кроме исключённых", "0", "1"),
        ("Группы", "все, кроме исключённых", "0", "1"),
        ("Товары", "все, кроме исключённых", "0", "1"),
    ]


def test_with_no_rules_the_summary_counts_nothing_like_the_catalog(auth_client, user, seed_catalog):
    """No rules is «Не настроено»: nothing syncs, though the filters alone would pass the whole catalog."""
    seed_catalog(user)
    html = page(auth_client)
    assert status_of(html)[0] == "not_configured"
    assert "Будет синхронизировано 0 из 4 товаров" in html and "(0 из 2 магазинов)" in html
    assert "Правил ещё нет" in html and "<th>Режим</th>" not in html
    catalog = auth_client.get("/catalog").get_data(as_text=True)
    assert 'id="summary-synced">0</span> из 4 товаров' in catalog and "Магазины: все" not in catalog


def test_post_without_csrf_is_refused_and_changes_nothing(app, make_app, app_config, user, login, add_rule):
    add_rule(user, "store", "S1", "include")
    strict = make_app({**app_config, "WTF_CSRF_ENABLED": True}).test_client()
    token_page = strict.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', token_page).group(1)
    assert (
        strict.post(
            "/login", data={"email": user.email, "password": "correct horse battery", "csrf_token": csrf}
        ).status_code
        == 302
    )
    for path in (
        "/sync/toggle",
        "/sync/confirm",
        "/sync/settings",
        "/sync/placeholder",
        "/sync/placeholder/reset",
    ):
        assert strict.post(path, headers=HX).status_code == 400, path
    assert config_state(app, user)[0] is False


def test_confirm_tells_the_progress_panel_that_the_first_run_started(
    auth_client, user, seed_catalog, add_rule, connect, switch, first_runs
):
    seed_catalog(user)
    connect(user)
    add_rule(user, "store", "S1", "include")
    switch(user, enabled=True, confirmed=False)
    html = page(auth_client)
    panel = re.search(r'<div id="sync-progress"[^>]*>', html).group(0)
    assert re.search(r'hx-trigger="[^"]*sync-run-started from:body', panel)
    response = auth_client.post("/sync/confirm", headers=HX)
    assert first_runs() == [user.id]
    assert response.headers.get("HX-Trigger") == "sync-run-started"


def test_a_refused_confirm_does_not_trigger_a_run_start(auth_client, user, seed_catalog, connect, switch):
    seed_catalog(user)
    connect(user)
    switch(user, enabled=True, confirmed=False)
    response = auth_client.post("/sync/confirm", headers=HX)
    assert "нужно хотя бы одно правило и один выбранный магазин" in response.get_data(as_text=True)
    assert "HX-Trigger" not in response.headers
