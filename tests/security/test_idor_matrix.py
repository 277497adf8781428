"""IDOR matrix (target A3): every route that names an object, fed another user's object → 404, rows unchanged.

User A owns one of every kind of object (connections, catalog store/group/product, rules, a refresh job, a
sync run with an item error, VK mapping rows). User B has none of them. B tries every object route with A's
ids, with every method the route accepts, plus injected user_id fields; A's rows must stay byte-identical.
"""

from __future__ import annotations

from sqlalchemy import inspect, select, text

from evosync.catalog.models import CatalogGroup, CatalogProduct, CatalogStore
from evosync.jobs.models import Job
from evosync.rules.models import SyncFilter
from evosync.sync.engine.models import SyncVkItem
from evosync.sync.runs.models import SyncRun, SyncRunError
from tests.factories import connect_accounts

OBJECT_ENDPOINTS = {
    "catalog.store",
    "catalog.remove_rule",
    "catalog.refresh_status",
    "sync_runs.retry_one",
    "connections.card",
    "connections.check",
    "connections.disconnect",
    # Operator actions: a merchant naming another user's id gets 404 like any other object route.
    "admin.suspend",
    "admin.resume",
    "admin.resend_confirmation",
    # Mailed one-time links: a guessed token names nothing.
    "confirm.confirm",
    "password.reset_password",
    "goods.name_guess",
    "thumbs.thumb",
}


def _snapshot(db, user_id: int) -> dict[str, list[tuple]]:
    """Every row that belongs to ``user_id``, table by table."""
    rows = {}
    for table in inspect(db.engine).get_table_names():
        columns = {c["name"] for c in inspect(db.engine).get_columns(table)}
        if "user_id" in columns:
            query = text(f'SELECT * FROM "{table}" WHERE user_id = :uid ORDER BY 1')  # noqa: S608 - schema names
            rows[table] = [tuple(r) for r in db.session.execute(query, {"uid": user_id})]
    rows["sync_filters"] = [
        tuple(r) for r in db.session.execute(text("SELECT * FROM sync_filters ORDER BY id"))
    ]
    return rows


def _seed_owner(app, db, sandbox, owner):
    """Give ``owner`` one of every kind of object; return the ids the routes take."""
    from evosync.catalog import queries
    from evosync.catalog.service import REFRESH_KIND, refresh_job, set_filter
    from evosync.jobs.service import run_job

    connect_accounts(app, owner.id, sandbox)
    with app.app_context():
        job = run_job(REFRESH_KIND, owner.id, refresh_job(owner.id))
        store = db.session.scalar(select(CatalogStore).where(CatalogStore.user_id == owner.id).limit(1))
        group = db.session.scalar(select(CatalogGroup).where(CatalogGroup.user_id == owner.id).limit(1))
        product = db.session.scalar(select(CatalogProduct).where(CatalogProduct.user_id == owner.id).limit(1))
        set_filter(
            owner.id, "store", queries.get_entity_for_user(owner.id, "store", store.evotor_id), "include"
        )
        set_filter(
            owner.id,
            "product",
            queries.get_entity_for_user(owner.id, "product", product.evotor_id),
            "exclude",
        )
        run = SyncRun(user_id=owner.id, status="partial", trigger="manual")
        db.session.add(run)
        db.session.flush()
        error = SyncRunError(
            run_id=run.id,
            user_id=owner.id,
            sku=product.evotor_id,
            operation="add",
            code=1408,
            message="links",
            hint_ru="Уберите ссылки из описания.",
        )
        db.session.add(error)
        db.session.add(
            SyncVkItem(
                user_id=owner.id,
                vk_group_id=sandbox.vk_group_id,
                sku=product.evotor_id,
                vk_item_id=1,
                state="active",
            )
        )
        db.session.commit()
        rule = db.session.scalar(select(SyncFilter).limit(1))
        return {
            "store": store.evotor_id,
            "group": group.evotor_id,
            "product": product.evotor_id,
            "rule": rule.id,
            "job": job.id,
            "error": error.id,
            "owner": owner.id,
        }


def test_other_users_objects_are_404_and_untouched(app, db, make_user, sandbox):
    owner = make_user(email="owner@example.ru")
    ids = _seed_owner(app, db, sandbox, owner)
    intruder_user = make_user(email="intruder@example.ru")
    before = _snapshot(db, owner.id)
    assert all(before[t] for t in ("connections", "catalog_products", "jobs", "sync_runs", "sync_run_errors"))

    intruder = app.test_client()
    assert (
        intruder.post(
            "/login", data={"email": intruder_user.email, "password": "correct horse battery"}
        ).status_code
        == 302
    )
    injected = {"user_id": str(ids["owner"]), "owner_id": str(ids["owner"])}
    attempts = [
        ("GET", f"/catalog/stores/{ids['store']}", {}),
        ("POST", f"/catalog/rules/{ids['rule']}/delete", injected),
        ("GET", f"/catalog/refresh/{ids['job']}", {}),
        ("POST", f"/sync/errors/{ids['error']}/retry", injected),
        ("POST", f"/goods/products/{ids['product']}/name-guess", {**injected, "allowed": "1"}),
        ("GET", f"/catalog/thumb/{ids['product']}", {}),
        ("POST", "/connections/vk/check", injected),
        ("POST", "/connections/evotor/check", injected),
        ("GET", "/evotor/disconnect", {}),
        ("POST", "/evotor/disconnect", injected),
        ("POST", "/vk/disconnect", injected),
        ("GET", "/vk/community", {}),
        ("POST", "/vk/community", {**injected, "group_id": str(sandbox.vk_group_id)}),
        ("POST", f"/admin/users/{ids['owner']}/suspend", injected),
        ("POST", f"/admin/users/{ids['owner']}/resume", injected),
        ("POST", f"/admin/users/{ids['owner']}/resend-confirmation", injected),
        ("GET", "/confirm/guessed-token-of-someone-else", {}),
        ("GET", "/password/reset/guessed-token-of-someone-else", {}),
        ("POST", "/password/reset/guessed-token-of-someone-else", {"password": "a new pass phrase"}),
    ]
    for kind in ("store", "group", "product"):
        for mode in ("include", "exclude", "clear"):
            attempts.append(
                (
                    "POST",
                    "/catalog/filters",
                    {**injected, "entity_type": kind, "entity_id": ids[kind], "mode": mode},
                )
            )
    covered = set()
    for method, url, data in attempts:
        response = intruder.open(url, method=method, data=data)
        assert response.status_code == 404, (method, url, response.status_code)
        covered.add(app.url_map.bind("localhost").match(url, method=method)[0])
    assert covered | {"connections.card"} >= OBJECT_ENDPOINTS, OBJECT_ENDPOINTS - covered

    # Pages that list objects show none of A's.
    for path in (
        "/catalog",
        "/catalog/products",
        f"/catalog/products?store={ids['store']}",
        "/sync",
        "/sync/errors",
        "/sync/runs",
        "/catalog/export.csv",
        "/connections/vk/card",
    ):
        response = intruder.get(path)
        assert response.status_code in (200, 404), (path, response.status_code)
        assert ids["product"] not in response.get_data(as_text=True), path

    db.session.expire_all()
    assert _snapshot(db, owner.id) == before
    # Nothing was created for the intruder from A's ids either.
    assert db.session.scalar(select(Job).where(Job.user_id == intruder_user.id)) is None
    assert (
        db.session.scalar(
            select(SyncFilter).where(SyncFilter.entity_id == ids["product"]).limit(1)
        ).filter_mode
        == "exclude"
    )


def test_every_object_route_is_in_the_matrix(app):
    """A new route that takes an id must be added to the matrix above."""
    with_ids = {
        rule.endpoint for rule in app.url_map.iter_rules() if rule.arguments and rule.endpoint != "static"
    }
    assert with_ids <= OBJECT_ENDPOINTS, with_ids - OBJECT_ENDPOINTS
