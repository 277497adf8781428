"""Notifications by mail: a broken connection reaches the inbox once per day, recovery too, switchable."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from evosync.connections.health import check_connection
from evosync.connections.queries import get_connection
from evosync.db import utcnow
from evosync.extensions import db as _db
from evosync.notifications.models import NotificationSent
from evosync.sync.engine import outcomes
from evosync.sync.runs.models import SyncRun
from evosync.vk.errors import Captcha
from tests.accounts.conftest import path_of
from tests.factories import connect_accounts
from tests.mail_capture import links, subject_of, text_of

FAST_RPS = 50


@pytest.fixture
def app_config(app_config, request):
    """A fast VK limit where the sandbox is used: these tests count mails, not requests per second."""
    if "sandbox" not in request.fixturenames:
        return app_config
    request.getfixturevalue("sandbox").reset(vk_rps=FAST_RPS)
    return {**app_config, "VK_RPS": FAST_RPS}


def _check_vk(app, user_id):
    with app.app_context():
        verdict = check_connection(get_connection(user_id, "vk"))
        _db.session.commit()
        return verdict.code


def test_market_off_is_mailed_once_per_day_and_its_recovery_once(app, user, sandbox, inbox):
    connect_accounts(app, user.id, sandbox, status="ok")
    sandbox.set_market(False)
    try:
        for _ in range(3):  # three health checks of the same problem: one mail
            assert _check_vk(app, user.id) == "market_off"
    finally:
        sandbox.set_market(True)
    (broken,) = inbox.wait_for(1)
    assert subject_of(broken) == "EvoSync: подключение к ВКонтакте не работает"
    assert "Товары" in text_of(broken)
    assert any(path_of(u) == "/connections" for u in links(broken))

    assert _check_vk(app, user.id) == "ok"
    _check_vk(app, user.id)
    recovered = inbox.wait_for(2)[1]
    assert subject_of(recovered) == "EvoSync: подключение к ВКонтакте снова работает"

    sandbox.set_market(False)
    try:
        _check_vk(app, user.id)  # broken again the same day: not mailed again
        with app.app_context():
            _db.session.execute(update(NotificationSent).values(sent_at=utcnow() - timedelta(hours=25)))
            _db.session.commit()
        _check_vk(app, user.id)  # still broken, but no new transition: nothing
        assert _check_vk(app, user.id) == "market_off"
    finally:
        sandbox.set_market(True)
    _check_vk(app, user.id)
    assert len(inbox.wait_for(3)) == 3  # the recovery after the dedup window is mailed again
    assert inbox.subjects()[2] == "EvoSync: подключение к ВКонтакте снова работает"


def test_a_switched_off_kind_is_not_mailed(app, auth_client, user, sandbox, inbox):
    page = auth_client.get("/account").get_data(as_text=True)
    assert "Уведомления на почту" in page and 'name="connection_broken"' in page
    auth_client.post("/account/notifications", data={"captcha": "1", "runs_failed": "1"})
    connect_accounts(app, user.id, sandbox, status="ok")
    sandbox.set_market(False)
    try:
        _check_vk(app, user.id)
    finally:
        sandbox.set_market(True)
    _fail_runs(app, user.id, 3)
    (mail,) = inbox.wait_for(1)
    assert subject_of(mail) == "EvoSync: синхронизация не удалась 3 раза подряд"
    page = auth_client.get("/account").get_data(as_text=True)
    assert "checked" not in re.search(r'<input[^>]*name="connection_broken"[^>]*>', page).group(0)
    assert "checked" in re.search(r'<input[^>]*name="runs_failed"[^>]*>', page).group(0)


def _fail_runs(app, user_id, count, exc_factory=lambda: RuntimeError("boom")):
    with app.app_context():
        for _ in range(count):
            run = SyncRun(user_id=user_id, trigger="cron", owner="test", host="test")
            _db.session.add(run)
            _db.session.commit()
            outcomes.fail(user_id, run.id, exc_factory())


def test_three_failed_runs_in_a_row_and_a_captcha_pause_are_mailed_once_each(app, user, inbox):
    _fail_runs(app, user.id, 2)
    _fail_runs(app, user.id, 1, lambda: Captcha(14, "Captcha needed"))
    _fail_runs(app, user.id, 3)  # the streak goes on: no second «three in a row» the same day
    inbox.wait_for(2)
    assert sorted(inbox.subjects()) == [
        "EvoSync: ВКонтакте просит капчу — синхронизация на паузе",
        "EvoSync: синхронизация не удалась 3 раза подряд",
    ]
