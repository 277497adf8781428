"""The runs fragments of /sync through the test client: preview, run now, history, errors, retry, IDOR."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from evosync.db import utcnow
from evosync.extensions import db as _db
from evosync.sync.runs.models import SyncRun, SyncRunError
from tests.sync.conftest import connect, live_items


def _wait_idle(client, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get("/sync/run/status").get_data(as_text=True)
        if "Синхронизировать сейчас" in body:
            return body
        time.sleep(0.2)
    raise AssertionError("the manual sync did not finish")


def test_preview_run_now_history_errors_and_retry(app, auth_client, user, sandbox, consumer):
    consumer(workers=1)  # «Синхронизировать сейчас» and «Повторить» are tasks a worker runs
    connect(app, user.id, sandbox)
    bad = sandbox.product_id(11)  # 10 is cider: forbidden, never sent
    sandbox.set_product(bad, description="Заказывайте на www.example.com со скидкой")
    # The preview works from the cached catalog; refresh it through a dry plan first.
    with app.app_context():
        from evosync.catalog.refresh import refresh_catalog
        from evosync.connections.clients import evotor_client_for

        refresh_catalog(user.id, evotor_client_for(user.id), lambda *a: None)
        _db.session.commit()
    preview = auth_client.get("/sync/plan").get_data(as_text=True)
    # 60 demo products: 2 cost nothing and 13 are alcohol, tobacco or look like it (never published).
    assert (
        "Будет создано <strong>45</strong>, обновлено <strong>0</strong>, скрыто <strong>0</strong>"
        in preview
    )
    skipped = auth_client.get("/sync/plan/items", query_string={"kind": "skip"}).get_data(as_text=True)
    assert "не публикуется: алкоголь запрещён во ВКонтакте" in skipped
    assert "built-in" not in preview and "Без изменений: 0" in preview
    started = auth_client.post("/sync/run")
    assert started.status_code == 200
    done = _wait_idle(auth_client)
    assert "частично" in done
    history = auth_client.get("/sync/runs").get_data(as_text=True)
    assert "<svg" in history and "вручную" in history and "частично" in history
    errors = auth_client.get("/sync/errors").get_data(as_text=True)
    assert "ссылки" in errors and "Повторить" in errors
    with app.app_context():
        error_id = _db.session.scalar(select(SyncRunError.id))
    sandbox.set_product(bad, description="Обычное описание без адресов")
    assert auth_client.post(f"/sync/errors/{error_id}/retry").status_code == 200
    _wait_idle(auth_client)
    assert bad in {i["pid"] for i in live_items(sandbox, app, user.id)}
    with app.app_context():
        last = _db.session.scalar(select(SyncRun).order_by(SyncRun.id.desc()))
        assert (last.status, last.created, last.trigger) == ("succeeded", 1, "manual")
    assert "ссылки" not in auth_client.get("/sync/errors").get_data(as_text=True)
    assert "Будет создано <strong>0</strong>" in auth_client.get("/sync/plan").get_data(as_text=True)


def test_another_users_error_is_404(app, client, make_user, login, sandbox):
    owner, other = make_user(), make_user()
    with app.app_context():
        run = SyncRun(user_id=owner.id, status="partial")
        _db.session.add(run)
        _db.session.flush()
        error = SyncRunError(run_id=run.id, user_id=owner.id, sku="x", operation="create", hint_ru="…")
        _db.session.add(error)
        _db.session.commit()
        error_id = error.id
    login(other.email)
    assert client.post(f"/sync/errors/{error_id}/retry").status_code == 404
    assert "…" not in client.get("/sync/errors").get_data(as_text=True)


def test_a_run_after_all_rules_were_reset_is_skipped_without_vk_writes(app, shop, sandbox, sync):
    """No rules would pass the whole catalog: the runner skips the user instead (even with --user)."""
    from evosync.rules.service import reset_rules
    from evosync.sync.engine.runner import ready_user_ids
    from tests.sync.conftest import write_calls

    with app.app_context():
        assert ready_user_ids() == [shop.id]
        reset_rules(shop.id)
        _db.session.commit()
        assert ready_user_ids() == []
    outcome = sync(shop.id)
    assert outcome.status == "skipped" and "Не настроено" in outcome.line
    assert write_calls(sandbox) == 0 and live_items(sandbox) == []


def test_a_run_left_running_by_a_dead_worker_is_not_shown_as_running(app, auth_client, user, sandbox):
    """A worker died mid manual sync: its run row still says running, its lease and job lease expired."""
    from datetime import timedelta

    from evosync.db import utcnow
    from evosync.jobs.models import Job
    from evosync.sync.engine.models import SyncLease
    from evosync.sync.engine.outcomes import MANUAL_KIND

    connect(app, user.id, sandbox)
    past = utcnow() - timedelta(minutes=10)
    with app.app_context():
        run = SyncRun(user_id=user.id, trigger="manual", owner="gone:1:x", host="gone")
        _db.session.add(run)
        _db.session.flush()
        _db.session.add(
            SyncLease(
                user_id=user.id,
                owner="gone:1:x",
                host="gone",
                pid=1,
                fencing=1,
                expires_at=past,
                run_id=run.id,
            )
        )
        _db.session.add(
            Job(
                kind=MANUAL_KIND, user_id=user.id, status="running", lease_owner="gone", lease_expires_at=past
            )
        )
        _db.session.commit()
    body = auth_client.get("/sync/run/status").get_data(as_text=True)
    assert "Синхронизация выполняется" not in body and "Синхронизировать сейчас" in body


def test_a_run_under_a_live_lease_is_shown_as_running(app, auth_client, user, sandbox):
    from evosync.sync.engine import lease

    connect(app, user.id, sandbox)
    with app.app_context():
        held = lease.claim(user.id)
        run = SyncRun(user_id=user.id, trigger="manual", owner=held.owner, host="here")
        _db.session.add(run)
        _db.session.flush()
        lease.renew(held, run.id)
        _db.session.commit()
    try:
        assert "Синхронизация выполняется" in auth_client.get("/sync/run/status").get_data(as_text=True)
    finally:
        with app.app_context():
            lease.release(held)


def test_loading_the_progress_panel_does_not_reload_the_other_fragments(app, auth_client, user, sandbox):
    """Only the poll that sees the run end triggers sync-runs-changed; a page load must not (the preview
    would be computed twice)."""
    connect(app, user.id, sandbox)
    fresh = auth_client.get("/sync/run/status", headers={"HX-Request": "true"})
    assert fresh.status_code == 200 and "HX-Trigger" not in fresh.headers
    ended = auth_client.get("/sync/run/status?poll=1", headers={"HX-Request": "true"})
    assert ended.headers.get("HX-Trigger") == "sync-runs-changed"


def test_retry_while_a_sync_is_running_keeps_the_errors(app, auth_client, user, sandbox):
    """«Повторить» refused with JobBusy must not mark the errors retried (they would vanish unretried)."""
    from datetime import timedelta

    from evosync.db import utcnow
    from evosync.jobs.models import Job
    from evosync.sync.engine.outcomes import MANUAL_KIND

    connect(app, user.id, sandbox)
    with app.app_context():
        run = SyncRun(user_id=user.id, trigger="cron", owner="x", host="x", status="partial")
        _db.session.add(run)
        _db.session.flush()
        error = SyncRunError(
            run_id=run.id, user_id=user.id, sku="p1", operation="add", message="bad", hint_ru="ссылки"
        )
        _db.session.add(error)
        _db.session.add(
            Job(
                kind=MANUAL_KIND,
                user_id=user.id,
                status="running",
                lease_owner="other",
                lease_expires_at=utcnow() + timedelta(minutes=5),
            )
        )
        _db.session.commit()
        error_id = error.id
    for url in (f"/sync/errors/{error_id}/retry", "/sync/errors/retry"):
        body = auth_client.post(url).get_data(as_text=True)
        assert "Синхронизация выполняется" in body  # the other job's progress, not a new run
    with app.app_context():
        assert _db.session.get(SyncRunError, error_id).retried_at is None
    assert "ссылки" in auth_client.get("/sync/errors").get_data(as_text=True)


def test_the_history_says_each_count_once(app, auth_client, user):
    with app.app_context():
        for fields in (
            {"status": "partial", "unchanged": 40, "failed": 1},
            {"status": "succeeded", "created": 3, "unchanged": 2},
            {"status": "skipped"},
        ):
            _db.session.add(SyncRun(user_id=user.id, finished_at=utcnow(), **fields))
        _db.session.commit()
    history = auth_client.get("/sync/runs").get_data(as_text=True)
    cells = re.findall(r'<td class="small">([^<]*(?:<span class="text-danger">[^<]*</span>)?)</td>', history)
    assert sorted(cells) == sorted(
        [
            'без изменений 40; <span class="text-danger">ошибок: 1</span>',
            "создано 3; без изменений 2",
            "изменений нет",
        ]
    ), cells


@pytest.mark.parametrize(
    "counts, cell",
    [
        ({}, [("изменений нет", False)]),
        ({"unchanged": 40}, [("без изменений 40", False)]),
        ({"created": 3, "unchanged": 40}, [("создано 3", False), ("без изменений 40", False)]),
        ({"skipped": 4}, [("изменений нет", False), ("пропущено 4", False)]),
        ({"updated": 1, "failed": 2}, [("обновлено 1", False), ("ошибок: 2", True)]),
    ],
)
def test_the_vk_cell_of_a_run_names_each_count_once(counts, cell):
    from evosync.sync.runs.queries import outcome_ru

    fields = {
        "created": 0,
        "updated": 0,
        "hidden": 0,
        "deleted": 0,
        "unchanged": 0,
        "skipped": 0,
        "failed": 0,
    }
    assert outcome_ru(SyncRun(**{**fields, **counts})) == cell


def test_no_plan_is_shown_before_anything_is_selected(app, auth_client, user, sandbox):
    """With no rules the filters pass everything: the plan must not promise to create the whole catalog
    under «Будет синхронизировано 0» and «Не настроено»."""
    from evosync.catalog.refresh import refresh_catalog
    from evosync.connections.clients import evotor_client_for
    from tests.factories import connect_accounts

    connect_accounts(app, user.id, sandbox)
    with app.app_context():
        refresh_catalog(user.id, evotor_client_for(user.id), lambda *a: None)
        _db.session.commit()
    preview = auth_client.get("/sync/plan").get_data(as_text=True)
    assert "План появится, когда в каталоге будут выбраны товары для ВКонтакте." in preview
    assert "Будет создано" not in preview
    items = auth_client.get("/sync/plan/items?kind=create").get_data(as_text=True)
    assert "План сейчас недоступен." in items and 'data-testid="plan-items"' not in items
    page = auth_client.get("/sync").get_data(as_text=True)
    assert "Будет синхронизировано 0 из" in page
