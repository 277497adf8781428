"""Every route is classified: public or login-only (A4), and every state-changing one is CSRF-protected (A2).

A new route without a decision here fails the test, so nobody adds an endpoint without thinking about both.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from werkzeug.routing import AnyConverter, IntegerConverter

from evosync.auth.models import LoginSession, User

PUBLIC = {
    "main.index",  # redirects to login or the dashboard
    "main.healthz",
    "auth.login",
    "auth.register",
    "password.forgot_password",
    "password.reset_password",  # the one-time token in the URL is the credential
    "confirm.confirm",  # likewise
    "static",
}
# Operator pages: anonymous visitors and merchants get 404 (the pages do not exist for them).
ADMIN_ONLY_PREFIX = "admin."
# Endpoints that change state on GET would be a bug; none may appear here.
CSRF_EXEMPT: set[str] = set()


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("sandbox"):
            continue
        yield rule


def _sample_url(rule) -> str:
    values = {}
    for arg in rule.arguments:
        converter = rule._converters[arg]
        if isinstance(converter, AnyConverter):
            values[arg] = "vk"
        elif isinstance(converter, IntegerConverter):
            values[arg] = 1
        else:
            values[arg] = "vk" if arg == "provider" else "x"
    url = rule.rule
    for name, value in values.items():
        url = re.sub(rf"<[^>]*{name}>", str(value), url)
    return url


def test_every_non_public_route_requires_login(app, client):
    checked = 0
    for rule in _routes(app):
        if rule.endpoint in PUBLIC:
            continue
        url = _sample_url(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            if rule.endpoint.startswith(ADMIN_ONLY_PREFIX):
                assert response.status_code == 404, (rule.endpoint, method, response.status_code)
                checked += 1
                continue
            assert response.status_code in (302, 401, 400), (rule.endpoint, method, response.status_code)
            if response.status_code == 302:
                assert "/login" in response.headers["Location"], (rule.endpoint, method)
            checked += 1
    assert checked > 5


def test_every_admin_route_is_404_for_a_merchant_and_open_to_an_operator(app, make_user, db):
    merchant = make_user(email="merchant@example.ru")
    operator = make_user(email="operator@example.ru")
    db.session.execute(User.__table__.update().where(User.id == operator.id).values(is_admin=True))
    db.session.commit()
    clients = {}
    for who, user in (("merchant", merchant), ("operator", operator)):
        clients[who] = app.test_client()
        clients[who].post("/login", data={"email": user.email, "password": "correct horse battery"})
    admin_rules = [rule for rule in _routes(app) if rule.endpoint.startswith(ADMIN_ONLY_PREFIX)]
    assert len(admin_rules) >= 4
    for rule in admin_rules:
        url = _sample_url(rule).replace("/1/", f"/{merchant.id}/")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            assert clients["merchant"].open(url, method=method).status_code == 404, (rule.endpoint, method)
            assert clients["operator"].open(url, method=method).status_code in (200, 303), (
                rule.endpoint,
                method,
            )


def test_sample_urls_match_their_routes(app):
    """The sweeps above are only as good as the URLs they build: every sample must reach its own endpoint."""
    adapter = app.url_map.bind("localhost")
    for rule in _routes(app):
        method = sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
        assert adapter.match(_sample_url(rule), method=method)[0] == rule.endpoint, rule.rule


@pytest.fixture
def csrf_client(app_config, make_app, make_user):
    app = make_app({**app_config, "WTF_CSRF_ENABLED": True})
    user = make_user(email="csrf@example.ru")
    client = app.test_client()
    token = re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").get_data(as_text=True)
    ).group(1)
    response = client.post(
        "/login", data={"email": user.email, "password": "correct horse battery", "csrf_token": token}
    )
    assert response.status_code == 302
    return app, client


def _state(db):
    return (
        db.session.scalar(select(func.count()).select_from(User)),
        db.session.scalar(select(func.count()).select_from(LoginSession)),
    )


def test_every_state_changing_route_rejects_missing_and_foreign_csrf_tokens(csrf_client, db):
    app, client = csrf_client
    foreign_token = "IjA0YjQ2ZDZlZjQ4YjQ5YjFkOGFhZTJkYjU3ZDk1YjNkIg.Z0000A.forged-signature"
    checked = 0
    for rule in _routes(app):
        unsafe = sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"})
        if not unsafe or rule.endpoint in CSRF_EXEMPT:
            continue
        url = _sample_url(rule)
        for method in unsafe:
            before = _state(db)
            for headers in ({}, {"X-CSRFToken": foreign_token}):
                response = client.open(
                    url, method=method, data={"csrf_token": headers.get("X-CSRFToken", "")}, headers=headers
                )
                assert response.status_code == 400, (rule.endpoint, method, response.status_code)
            assert _state(db) == before
            checked += 1
    assert checked >= 5


def test_every_state_changing_route_rejects_an_expired_csrf_token(app_config, make_app, make_user, db):
    import time

    app = make_app({**app_config, "WTF_CSRF_ENABLED": True, "WTF_CSRF_TIME_LIMIT": 1})
    user = make_user(email="late@example.ru")
    client = app.test_client()
    token = _page_token(client.get("/login").get_data(as_text=True))
    client.post(
        "/login", data={"email": user.email, "password": "correct horse battery", "csrf_token": token}
    )
    stale = _page_token(client.get("/account").get_data(as_text=True))
    time.sleep(2.5)  # itsdangerous counts whole seconds: age ≥ 2 > limit 1
    before = _state(db)
    checked = 0
    for rule in _routes(app):
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
            response = client.open(
                _sample_url(rule), method=method, data={"csrf_token": stale}, headers={"X-CSRFToken": stale}
            )
            assert response.status_code == 400, (rule.endpoint, method, response.status_code)
            checked += 1
    assert checked >= 5 and _state(db) == before
    # A fresh token still works: the rejection was about age, not about the session.
    fresh = _page_token(client.get("/account").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": fresh}).status_code == 302


def _page_token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
