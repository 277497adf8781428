"""Refreshing the cached catalog from the sandbox's Evotor."""

from __future__ import annotations

from sqlalchemy import func, select

from evosync.catalog.models import CatalogGroup, CatalogProduct, CatalogState, CatalogStore


def _count(db, model, user_id):
    return db.session.scalar(select(func.count()).select_from(model).where(model.user_id == user_id))


def test_refresh_caches_stores_groups_and_products(shop, db, sandbox):
    state = db.session.scalar(select(CatalogState).where(CatalogState.user_id == shop.id))
    assert state.refreshed_at is not None
    assert _count(db, CatalogStore, shop.id) == 2 == state.store_count
    assert _count(db, CatalogGroup, shop.id) == state.group_count > 5
    assert _count(db, CatalogProduct, shop.id) == state.product_count > 100
    product = db.session.scalar(
        select(CatalogProduct).where(CatalogProduct.evotor_id == sandbox.product_id(1))
    )
    assert product.store_id == sandbox.store_ids[0]
    assert product.name
    assert product.search_text == product.search_text.casefold()


def test_products_gone_from_evotor_leave_the_cache_but_rules_stay(auth_client, shop, db, sandbox, refresh):
    gone = sandbox.product_id(1)
    auth_client.post(
        "/catalog/filters", data={"entity_type": "product", "entity_id": gone, "mode": "exclude"}
    )
    sandbox.delete_product(gone)
    sandbox.set_product(sandbox.product_id(2), name="Переименованный товар", price=123)
    job = refresh(shop)
    assert job.status == "succeeded"
    db.session.expire_all()
    assert db.session.scalar(select(CatalogProduct).where(CatalogProduct.evotor_id == gone)) is None
    renamed = db.session.scalar(
        select(CatalogProduct).where(CatalogProduct.evotor_id == sandbox.product_id(2))
    )
    assert renamed.name == "Переименованный товар" and renamed.price == 123
    assert "нет в каталоге" in auth_client.get("/catalog/rules").get_data(as_text=True)


def test_refresh_failure_keeps_the_old_cache_and_shows_the_russian_message(
    auth_client, shop, db, sandbox, refresh
):
    before = _count(db, CatalogProduct, shop.id)
    sandbox.fault("evotor_error", status=401)
    job = refresh(shop)
    assert job.status == "failed"
    assert "Токен Эвотора недействителен" in job.message
    assert _count(db, CatalogProduct, shop.id) == before
    html = auth_client.get("/catalog").get_data(as_text=True)
    assert "Токен Эвотора недействителен" in html
    assert "Обновить каталог" in html


def test_refresh_button_queues_the_job_a_worker_runs_while_the_panel_polls(
    app, auth_client, user, connect_evotor, consumer
):
    import time

    connect_evotor(user)
    consumer(workers=2)
    response = auth_client.post("/catalog/refresh", headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="catalog-refresh"' in html
    from evosync.jobs.models import Job

    with app.app_context():
        from evosync.extensions import db as _db

        job_id = _db.session.scalar(select(Job.id).where(Job.user_id == user.id))
    deadline = time.monotonic() + 30
    while True:
        poll = auth_client.get(f"/catalog/refresh/{job_id}", headers={"HX-Request": "true"})
        assert poll.status_code == 200
        if poll.headers.get("HX-Refresh") == "true":
            break
        assert 'hx-trigger="every 1s"' in poll.get_data(as_text=True)
        assert time.monotonic() < deadline
        time.sleep(0.1)
    page = auth_client.get("/catalog").get_data(as_text=True)
    assert "Каталог обновлён" in page
    assert auth_client.get("/catalog/refresh/999999").status_code == 404


def test_refresh_without_evotor_answers_the_connect_hint(auth_client):
    html = auth_client.post("/catalog/refresh").get_data(as_text=True)
    assert "Эвотор не подключён" in html


def test_cli_refresh_prints_one_line_per_user_and_fails_only_on_failure(
    runner, user, make_user, connect_evotor, sandbox
):
    connect_evotor(user)
    make_user(email="nothing@example.ru")  # no Evotor: not listed by the all-users run
    result = runner.invoke(args=["catalog", "refresh"])
    assert result.exit_code == 0, result.output
    [line] = result.output.strip().splitlines()
    assert line.startswith(f"user {user.id} <shop@example.ru>: ok, 2 stores")
    sandbox.fault("evotor_error", status=500)
    result = runner.invoke(args=["catalog", "refresh", "--user", "shop@example.ru"])
    assert result.exit_code == 1
    assert "failed" in result.output
    sandbox.clear_faults()
    result = runner.invoke(args=["catalog", "refresh", "--user", "nobody@example.ru"])
    assert result.exit_code == 1


def test_cli_skips_a_user_whose_refresh_is_already_running(app, runner, user, connect_evotor):
    from evosync.catalog.service import REFRESH_KIND
    from evosync.jobs.service import claim

    connect_evotor(user)
    with app.app_context():
        claim(REFRESH_KIND, user.id, 60)
    result = runner.invoke(args=["catalog", "refresh", "--user", str(user.id)])
    assert result.exit_code == 0
    assert "skipped, a refresh is already running" in result.output


def test_two_refreshes_at_once_run_one(app, user, connect_evotor, db):
    import threading

    from evosync.catalog.service import REFRESH_KIND, refresh_job
    from evosync.jobs.service import JobBusy, run_job

    connect_evotor(user)
    outcomes = []
    barrier = threading.Barrier(2)

    def worker():
        with app.app_context():
            barrier.wait()
            try:
                outcomes.append(run_job(REFRESH_KIND, user.id, refresh_job(user.id)).status)
            except JobBusy:
                outcomes.append("busy")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    # Either the second found the first running, or the first had already finished: never two at once.
    assert "succeeded" in outcomes
    assert sorted(outcomes) in (["busy", "succeeded"], ["succeeded", "succeeded"])


def test_an_unchanged_catalog_refresh_rewrites_no_row_and_reports_what_changed(shop, db, sandbox, refresh):
    def generations():
        stmt = select(CatalogProduct.evotor_id, CatalogProduct.generation).where(
            CatalogProduct.user_id == shop.id
        )
        return dict(db.session.execute(stmt).all())

    before = generations()
    job = refresh(shop)
    assert "новых — 0, изменённых — 0, удалённых — 0" in job.message
    db.session.expire_all()
    # A written row would carry the new refresh's generation; none does.
    assert generations() == before
    sandbox.set_product(sandbox.product_id(3), name="Новое имя")
    sandbox.delete_product(sandbox.product_id(4))
    added = sandbox.add_product(name="Совсем новый", price=1)
    job = refresh(shop)
    assert "новых — 1, изменённых — 1, удалённых — 1" in job.message
    db.session.expire_all()
    after = generations()
    assert {i for i in after if after[i] != before.get(i)} == {sandbox.product_id(3), added["id"]}


def test_a_release_that_changes_the_name_key_rewrites_every_row_once(shop, db, sandbox, refresh, monkeypatch):
    from evosync.catalog import refresh as refresh_module

    def keys():
        stmt = select(CatalogProduct.name, CatalogProduct.name_key).where(CatalogProduct.user_id == shop.id)
        return dict(db.session.execute(stmt).all())

    sandbox.add_product(name="Размер 9", price=1)
    # The catalog as the previous release stored it: the plain normalised name, hashed under version "6".
    monkeypatch.setattr(refresh_module, "HASH_VERSION", "6")
    monkeypatch.setattr(refresh_module, "name_key", lambda name: refresh_module.normalise(name)[:500])
    assert refresh(shop).status == "succeeded"
    db.session.expire_all()
    assert keys()["Размер 9"] == "размер 9"
    monkeypatch.undo()
    total = db.session.scalar(select(func.count()).where(CatalogProduct.user_id == shop.id))
    job = refresh(shop)
    assert f"изменённых — {total}" in job.message
    db.session.expire_all()
    assert keys()["Размер 9"] == "размер 019"
    assert "изменённых — 0" in refresh(shop).message
