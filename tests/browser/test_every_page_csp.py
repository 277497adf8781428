"""Every page a merchant can open renders in Chromium with 0 CSP violations and the security headers (A6)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.factories import connect_accounts

pytestmark = pytest.mark.browser

PASSWORD = "browser pass phrase"


def _seed(app, sandbox, user):
    from evosync.catalog.models import CatalogStore
    from evosync.catalog.service import REFRESH_KIND, refresh_job
    from evosync.extensions import db
    from evosync.jobs.service import run_job

    connect_accounts(app, user.id, sandbox, status="ok")
    with app.app_context():
        from evosync.auth.models import User

        db.session.get(User, user.id).is_admin = True  # the sweep opens /admin too
        db.session.commit()
        job = run_job(REFRESH_KIND, user.id, refresh_job(user.id))
        store = db.session.scalar(
            select(CatalogStore.evotor_id).where(CatalogStore.user_id == user.id).limit(1)
        )
        return {"store": store, "job": job.id}


def test_every_get_page_has_no_csp_violation(app, page, live_server_url, sandbox, make_user):
    user = make_user(email="csp@example.ru", password=PASSWORD)
    ids = _seed(app, sandbox, user)
    page.goto("/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/connections")

    paths = [
        "/connections",
        "/catalog",
        "/catalog/products",
        "/catalog/products?q=кофе&sort=price",
        f"/catalog/stores/{ids['store']}",
        "/catalog/rules",
        "/sync",
        "/account",
        "/admin",
        "/vk/community",
        "/evotor/disconnect",
        "/vk/disconnect",
        "/no-such-page",
    ]
    routed = {rule.rule for rule in app.url_map.iter_rules() if "GET" in rule.methods and not rule.arguments}
    skip = {
        "/static/<path:filename>",
        "/healthz",
        "/logout",
        "/catalog/export.csv",
        "/evotor/connect",
        "/vk/connect",
        "/evotor/callback",
        "/vk/callback",
        "/",
        "/login",
        "/register",
        "/password/forgot",  # anonymous: swept below
    }
    fragments = {
        "/sync/plan",
        "/sync/plan/items",
        "/sync/status",
        "/sync/run/status",
        "/sync/runs",
        "/sync/errors",
        "/sync/categories",
        "/sync/group-categories",
        "/sync/placeholder",
        "/catalog/refresh",
    }
    missing = routed - skip - fragments - {p.split("?")[0] for p in paths}
    assert not missing, f"add these pages to the CSP sweep: {missing}"

    for path in paths:
        response = page.goto(path)
        page.wait_for_load_state("networkidle")
        headers = response.headers
        assert "object-src 'none'" in headers["content-security-policy"], path
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin", path
    assert page.csp_violations == []

    # Pages for anonymous visitors too.
    page.context.clear_cookies()
    for path in ("/login", "/register", "/password/forgot"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
    assert page.csp_violations == []
