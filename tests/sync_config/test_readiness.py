"""Readiness: `flask sync-config --all` lists exactly the ready configs; is_ready / readiness for the engine."""

from __future__ import annotations

import json

import pytest


def ready_ids(runner) -> list[int]:
    result = runner.invoke(args=["sync-config", "--all"])
    assert result.exit_code == 0, result.stderr
    return [c["user_id"] for c in json.loads(result.stdout)]


def test_all_lists_only_ready_users(runner, make_user, seed_catalog, add_rule, connect, switch):
    ready, second = make_user(email="a@example.ru"), make_user(email="b@example.ru")
    for shop in (ready, second):
        seed_catalog(shop)
        add_rule(shop, "store", "S1", "include")
        connect(shop)
        switch(shop)
    off = make_user(email="c@example.ru")
    connect(off)
    switch(off, enabled=False)
    assert ready_ids(runner) == [ready.id, second.id]


def test_all_is_an_empty_array_when_nobody_is_ready(runner, user):
    result = runner.invoke(args=["sync-config", "--all"])
    assert result.exit_code == 0
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        ({"enabled": False}, "выключена"),
        ({"confirmed": False}, "не подтверждены"),
        ({"evotor": "error"}, "Эвотор"),
        ({"vk": "error"}, "ВКонтакте"),
        ({"vk": "unknown"}, "ещё не проверено"),
        ({"vk": None}, "ВКонтакте не подключён"),
        ({"group_id": None}, "сообщество"),
        ({"paused": "ВКонтакте просит ввести капчу"}, "капчу"),
    ],
)
def test_not_ready_is_absent_with_a_reason(
    app, runner, user, seed_catalog, add_rule, connect, switch, setup, reason
):
    from evosync.sync.config.service import is_ready, readiness

    seed_catalog(user)
    add_rule(user, "store", "S1", "include")
    connect(
        user,
        evotor=setup.get("evotor", "ok"),
        vk=setup.get("vk", "ok"),
        group_id=setup.get("group_id", 123456),
    )
    switch(
        user,
        enabled=setup.get("enabled", True),
        confirmed=setup.get("confirmed", True),
        paused=setup.get("paused"),
    )
    assert ready_ids(runner) == []
    with app.app_context():
        ok, why = readiness(user.id)
        assert not ok and not is_ready(user.id)
        assert reason in why
    one = json.loads(runner.invoke(args=["sync-config", "--user", str(user.id)]).stdout)
    assert one["ready"] is False


def test_warning_connection_still_counts_as_working(
    app, runner, user, seed_catalog, add_rule, connect, switch
):
    seed_catalog(user)
    add_rule(user, "store", "S1", "include")
    connect(user, vk="warning")
    switch(user)
    assert ready_ids(runner) == [user.id]


def test_a_ready_user_has_ready_true(app, runner, ready_shop):
    from evosync.sync.config.service import readiness

    with app.app_context():
        assert readiness(ready_shop.id) == (True, "готова к синхронизации")
    assert ready_ids(runner) == [ready_shop.id]


def test_reset_rules_makes_the_user_not_ready_everywhere(app, runner, auth_client, ready_shop):
    """«Сбросить все» leaves no rules: page «Не настроено», not ready, no cron run, manual run refused."""
    from evosync.sync.config.service import readiness
    from evosync.sync.engine.runner import ready_user_ids
    from evosync.sync.runs.models import SyncRun

    assert ready_ids(runner) == [ready_shop.id]
    assert auth_client.post("/catalog/rules/reset", headers={"HX-Request": "true"}).status_code == 200
    html = auth_client.get("/sync").get_data(as_text=True)
    assert 'data-status="not_configured">Не настроено<' in html
    assert ready_ids(runner) == []
    one = json.loads(runner.invoke(args=["sync-config", "--user", str(ready_shop.id)]).stdout)
    assert one["ready"] is False
    with app.app_context():
        ok, why = readiness(ready_shop.id)
        assert not ok and "Не настроено" in why
        assert ready_user_ids() == []
    refused = auth_client.post("/sync/run", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Не запущено — не настроено: в каталоге ничего не выбрано." in refused
    with app.app_context():
        from evosync.extensions import db

        assert db.session.query(SyncRun).count() == 0


@pytest.mark.parametrize("code", ["vk_token", "connection", "vk_access"])
def test_a_connection_pause_lifts_once_the_connections_work_again(
    app, runner, auth_client, user, seed_catalog, add_rule, connect, switch, code
):
    """A revoked VK token paused the sync; after reconnecting (VK works again) /sync, readiness and
    sync-config --all all show the user as active again, without a manual run."""
    from evosync.connections.models import Connection
    from evosync.db import utcnow
    from evosync.extensions import db
    from evosync.sync.config.service import get_or_create_settings, readiness

    seed_catalog(user)
    add_rule(user, "store", "S1", "include")
    connect(user, vk="error")
    switch(user)
    with app.app_context():
        settings = get_or_create_settings(user.id)
        settings.paused_code, settings.paused_at = code, utcnow()
        settings.paused_reason = "Токен ВКонтакте отозван — подключите заново."
        db.session.commit()
    assert ready_ids(runner) == []
    with app.app_context():
        vk = db.session.query(Connection).filter_by(user_id=user.id, provider="vk").one()
        vk.status, vk.message = "ok", None
        db.session.commit()
        assert readiness(user.id) == (True, "готова к синхронизации")
    html = auth_client.get("/sync").get_data(as_text=True)
    assert 'data-status="active">Активна<' in html and "Приостановлена" not in html
    assert ready_ids(runner) == [user.id]


def test_a_captcha_pause_stays_although_the_connections_work(
    app, runner, auth_client, user, seed_catalog, add_rule, connect, switch
):
    seed_catalog(user)
    add_rule(user, "store", "S1", "include")
    connect(user)
    switch(user, paused="ВКонтакте просит ввести капчу")
    assert ready_ids(runner) == []
    html = auth_client.get("/sync").get_data(as_text=True)
    assert 'data-status="paused">Приостановлена<' in html
    assert html.count("ВКонтакте попросил ввести капчу") == 1


def test_a_market_off_pause_stays_while_market_is_still_off(
    app, runner, user, seed_catalog, add_rule, connect, switch
):
    from evosync.connections.models import Connection
    from evosync.db import utcnow
    from evosync.extensions import db
    from evosync.sync.config.service import get_or_create_settings

    seed_catalog(user)
    add_rule(user, "store", "S1", "include")
    connect(user)
    switch(user)
    with app.app_context():
        settings = get_or_create_settings(user.id)
        settings.paused_code, settings.paused_reason, settings.paused_at = (
            "market_off",
            "Товары выкл.",
            utcnow(),
        )
        vk = db.session.query(Connection).filter_by(user_id=user.id, provider="vk").one()
        vk.vk_market_enabled = False
        db.session.commit()
    assert ready_ids(runner) == []
    with app.app_context():
        vk = db.session.query(Connection).filter_by(user_id=user.id, provider="vk").one()
        vk.vk_market_enabled = True
        db.session.commit()
    assert ready_ids(runner) == [user.id]


def test_switched_off_is_grey_and_a_fault_is_red(auth_client, user, seed_catalog, add_rule, connect, switch):
    """«Приостановлена» because the merchant switched it off is the merchant's choice, not an alarm; nor is
    a new shop's «Не настроено», its first step (blue)."""
    seed_catalog(user)
    connect(user)
    html = auth_client.get("/sync").get_data(as_text=True)
    assert 'alert alert-primary py-2 mb-2 sync-problem" role="alert" data-problem="not_configured"' in html
    assert "alert-danger" not in html
    add_rule(user, "store", "S1", "include")
    switch(user, enabled=False)
    html = auth_client.get("/sync").get_data(as_text=True)
    assert (
        'text-bg-secondary fs-6 text-wrap text-start mw-100" id="sync-status-label" data-status="paused"'
        in html
    )
    assert 'alert alert-warning py-2 mb-2 sync-problem" role="alert" data-problem="switched_off"' in html
    assert "alert-danger" not in html
    switch(user, paused="ВКонтакте просит ввести капчу")
    html = auth_client.get("/sync").get_data(as_text=True)
    assert (
        'text-bg-danger fs-6 text-wrap text-start mw-100" id="sync-status-label" data-status="paused"' in html
    )
