"""The error policy (docs/sync.md) against the sandbox's faults, on both databases."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from evosync.connections.models import Connection
from evosync.extensions import db as _db
from evosync.rules.models import SyncConfig
from evosync.sync.config.models import SyncSettings
from evosync.sync.runs.models import SyncRun, SyncRunError
from tests.sync.conftest import live_items


def _no_duplicates(sandbox) -> Counter:
    skus = Counter(i["sku"] for i in live_items(sandbox))
    assert not skus or max(skus.values()) == 1
    return skus


def _settings(app, user_id):
    with app.app_context():
        return _db.session.scalar(select(SyncSettings).where(SyncSettings.user_id == user_id))


def test_error_6_is_retried(shop, sandbox, sync):
    sandbox.fault("vk_error", code=6, methods=["execute"], count=2)
    outcome = sync(shop.id)
    assert outcome.status == "succeeded", outcome.line
    assert sandbox.faults() == []


def test_flood_and_rate_limit_stop_the_run_and_the_next_run_resumes(shop, sandbox, sync):
    for code in (9, 29):
        sandbox.fault("vk_error", code=code, methods=["market.add"], count=1)
        outcome = sync(shop.id)
        assert outcome.status == "partial" and f"ошибка {code}" in outcome.line, outcome.line
    full = sync(shop.id)
    assert full.status == "succeeded", full.line
    done = _no_duplicates(sandbox)
    assert len(done) > 40 and sync(shop.id).line.startswith("успешно: создано 0, обновлено 0")


def test_captcha_pauses_the_user_until_a_manual_run(app, shop, sandbox, sync):
    sandbox.fault("vk_error", code=14, methods=["execute"], count=1)
    sandbox.clear_log()
    outcome = sync(shop.id)
    assert outcome.status == "failed" and "капчу" in outcome.line
    log = sandbox.requests(service="vk")
    captcha_at = max(i for i, r in enumerate(log) if r["method"] == "execute")
    assert log[captcha_at:] == log[-1:]  # not one call after the captcha
    assert _settings(app, shop.id).paused_code == "captcha"
    with app.app_context():
        vk = _db.session.scalar(select(Connection).where(Connection.provider == "vk"))
        assert (vk.status, vk.reason_code) == ("error", "captcha")
    skipped = sync(shop.id)
    assert skipped.status == "skipped" and "Приостановлена" in skipped.line
    resumed = sync(shop.id, trigger="manual")
    assert resumed.status == "succeeded", resumed.line
    assert _settings(app, shop.id).paused_code is None


def test_error_5_refreshes_once_then_marks_the_connection_broken(app, shop, sandbox, sync):
    sandbox.fault("vk_error", code=5, methods=["execute"], count=1)
    before = sandbox.refresh_requests()
    assert sync(shop.id).status == "succeeded"
    assert sandbox.refresh_requests() == before + 1
    sandbox.set_product(sandbox.product_id(5), price=777)
    sandbox.fault("vk_error", code=5, methods=["execute"], count=2)
    outcome = sync(shop.id)
    assert outcome.status == "failed" and "подключите ВКонтакте заново" in outcome.line
    assert sandbox.refresh_requests() == before + 2
    assert _settings(app, shop.id).paused_code == "vk_token"
    with app.app_context():
        vk = _db.session.scalar(select(Connection).where(Connection.provider == "vk"))
        assert vk.status == "error"


def test_server_errors_are_retried_then_fail_with_state_intact(shop, sandbox, sync):
    sandbox.fault("vk_error", code=10, methods=["execute"], count=2)
    sandbox.fault("http_error", status=502, service="vk", methods=["execute"], count=2)
    assert sync(shop.id).status == "succeeded"
    sandbox.set_product(sandbox.product_id(6), price=555)
    sandbox.fault("http_error", status=500, service="vk", methods=["execute"])
    outcome = sync(shop.id)
    assert outcome.status == "failed" and "недоступен" in outcome.line
    assert sandbox.method_calls("execute") > 0
    sandbox.clear_faults()
    again = sync(shop.id)
    assert again.status == "succeeded" and "обновлено 1" in again.line, again.line
    _no_duplicates(sandbox)


def test_per_item_errors_end_partial_with_hints_and_retry(app, shop, sandbox, sync):
    bad = sandbox.product_id(10)
    sandbox.set_product(bad, description="Подробности и доставка на сайте www.example.com сегодня")
    outcome = sync(shop.id)
    assert outcome.status == "partial", outcome.line
    with app.app_context():
        error = _db.session.scalar(select(SyncRunError))
        assert (error.sku, error.code, error.operation) == (bad, 1408, "create")
        assert "ссылки" in error.hint_ru
    assert bad not in _no_duplicates(sandbox) and len(live_items(sandbox)) > 40
    sandbox.set_product(bad, description="Обычное описание без ссылок")
    retried = sync(shop.id, trigger="manual", only={bad})
    assert retried.status == "succeeded" and "создано 1" in retried.line
    assert bad in _no_duplicates(sandbox)


def test_failing_connection_check_skips_with_no_sync_calls(shop, sandbox, sync):
    sandbox.revoke(user_id=sandbox.vk_user_id)
    sandbox.clear_log()
    outcome = sync(shop.id)
    assert outcome.status == "skipped" and "ВКонтакте" in outcome.line
    methods = sandbox.counters()["methods"]
    assert not any(m.startswith("market.") or m == "execute" for m in methods)


def test_market_switched_off_skips(shop, sandbox, sync):
    sandbox.set_market(False)
    outcome = sync(shop.id)
    assert outcome.status == "skipped" and "Товары" in outcome.line


def test_switching_off_stops_at_the_next_batch(app, shop, sandbox, sync):
    def switch_off(text, percent):
        if text.startswith("Создаём"):
            with app.app_context():
                config = _db.session.scalar(select(SyncConfig).where(SyncConfig.user_id == shop.id))
                config.is_enabled = False
                _db.session.commit()

    outcome = sync(shop.id, progress=switch_off)
    assert outcome.status == "partial" and "выключена" in outcome.line
    assert len(live_items(sandbox)) == 25  # exactly one batch of market.add went out
    with app.app_context():
        assert _db.session.scalar(select(SyncRun.created)) == 25
