"""CSRF, security headers, error pages, health check, login throttling, production refusal."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from evosync import create_app
from evosync.auth.models import LoginSession, User
from evosync.config import ConfigError
from tests.factories import production_overrides


def _csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no csrf token on the page"
    return match.group(1)


@pytest.fixture
def csrf_app(app_config, make_app):
    return make_app({**app_config, "WTF_CSRF_ENABLED": True})


def test_post_without_csrf_token_is_rejected_and_changes_nothing(csrf_app, db):
    client = csrf_app.test_client()
    response = client.post("/register", data={"email": "a@example.ru", "password": "long enough pw"})
    assert response.status_code == 400
    assert "Форма устарела" in response.get_data(as_text=True)
    with csrf_app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(User)) == 0


def test_post_with_csrf_token_is_accepted(csrf_app, db):
    client = csrf_app.test_client()
    token = _csrf_token(client.get("/register").get_data(as_text=True))
    response = client.post(
        "/register", data={"email": "a@example.ru", "password": "long enough pw", "csrf_token": token}
    )
    assert response.status_code == 200 and "Проверьте почту" in response.get_data(as_text=True)


def test_logout_without_csrf_token_keeps_the_session(csrf_app, make_user, db):
    user = make_user()
    client = csrf_app.test_client()
    token = _csrf_token(client.get("/login").get_data(as_text=True))
    client.post(
        "/login", data={"email": user.email, "password": "correct horse battery", "csrf_token": token}
    )
    assert client.post("/logout").status_code == 400
    with csrf_app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(LoginSession)) == 1
    assert client.get("/connections").status_code == 200


def test_htmx_header_carries_the_csrf_token(csrf_app, make_user, db):
    user = make_user()
    client = csrf_app.test_client()
    token = _csrf_token(client.get("/login").get_data(as_text=True))
    client.post(
        "/login", data={"email": user.email, "password": "correct horse battery", "csrf_token": token}
    )
    page = client.get("/connections").get_data(as_text=True)
    header_token = re.search(r"hx-headers='\{&#34;X-CSRFToken&#34;: &#34;([^&]+)&#34;\}'", page) or re.search(
        r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', page
    )
    assert header_token, page[:500]
    response = client.post("/logout", headers={"X-CSRFToken": header_token.group(1)})
    assert response.status_code == 302


def test_cross_site_post_is_refused(client, user):
    response = client.post(
        "/login",
        data={"email": user.email, "password": "correct horse battery"},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 403


def _assert_security_headers(response, production=False):
    csp = response.headers["Content-Security-Policy"]
    assert "object-src 'none'" in csp and "base-uri 'none'" in csp and "frame-ancestors 'none'" in csp
    script_src = re.search(r"script-src ([^;]+)", csp).group(1)
    assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    if production:
        assert "max-age=31536000" in response.headers["Strict-Transport-Security"]


def test_headers_on_page_fragment_404_and_500(app_config, make_app, user):
    app = make_app(app_config)  # a fresh app: the route below is added before its first request

    @app.route("/_boom")
    def boom():
        raise RuntimeError("secret detail SELECT * FROM users /work/main/evosync")

    auth_client = app.test_client()
    auth_client.post("/login", data={"email": user.email, "password": "correct horse battery"})

    page = auth_client.get("/connections")
    assert page.headers["Cache-Control"] == "no-store"
    fragment = auth_client.get("/catalog", headers={"HX-Request": "true"})
    missing = auth_client.get("/no-such-page")
    assert missing.status_code == 404
    assert "Страница не найдена" in missing.get_data(as_text=True)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    crash = auth_client.get("/_boom")
    assert crash.status_code == 500
    body = crash.get_data(as_text=True)
    assert "Внутренняя ошибка" in body
    for leak in ("Traceback", "SELECT", "/work/main", "secret detail"):
        assert leak not in body
    redirect = auth_client.get("/")
    assert redirect.status_code == 302
    bad = auth_client.post(
        "/catalog/filters", data={"entity_type": "nonsense", "entity_id": "x", "mode": "include"}
    )
    assert bad.status_code == 400
    for response in (page, fragment, missing, crash, redirect, bad):
        _assert_security_headers(response)


def test_hsts_in_production(app_config, make_app):
    production_app = make_app({**app_config, **production_overrides()})
    response = production_app.test_client().get("/healthz")
    _assert_security_headers(response, production=True)


def test_healthz(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


@pytest.mark.parametrize("secret", [None, "", "dev-only-insecure-secret-key", "short"])
def test_production_refuses_to_start_with_bad_secret_key(secret, app_config):
    config = {**app_config, **production_overrides(SECRET_KEY=secret)}
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app(config)


def test_production_refuses_to_start_without_token_keys(app_config):
    with pytest.raises(ConfigError, match="TOKEN_KEYS"):
        create_app({**app_config, **production_overrides(TOKEN_KEYS=None)})


def test_login_throttle_ignores_a_rotating_x_forwarded_for_but_spares_other_clients(client, user):
    statuses = []
    for attempt in range(6):
        response = client.post(
            "/login",
            data={"email": user.email, "password": f"wrong {attempt} password"},
            headers={"X-Forwarded-For": f"10.0.{attempt}.1"},
        )
        statuses.append(response.status_code)
    assert statuses == [401] * 4 + [429, 429]  # without PROXY_HOPS the spoofed header is one client
    blocked = client.post("/login", data={"email": user.email, "password": "correct horse battery"})
    assert blocked.status_code == 429
    assert "Слишком много неудачных попыток" in blocked.get_data(as_text=True)
    # The owner from another address is not locked out by someone else's guesses.
    elsewhere = client.post(
        "/login",
        data={"email": user.email, "password": "correct horse battery"},
        environ_base={"REMOTE_ADDR": "198.51.100.77"},
    )
    assert elsewhere.status_code == 302


def test_login_is_throttled_per_client(client, make_user, app):
    app.config["LOGIN_LIMIT_PER_CLIENT"] = "5 per 15 minutes"
    statuses = [
        client.post("/login", data={"email": f"u{i}@example.ru", "password": "wrong password"}).status_code
        for i in range(7)
    ]
    assert statuses == [401] * 5 + [429, 429]
    refused = client.post("/login", data={"email": "u9@example.ru", "password": "wrong password"})
    assert "Подождите немного" in refused.get_data(as_text=True)
    assert "per" not in refused.get_data(as_text=True)  # not Flask-Limiter's English «5 per 15 minute»


def test_x_forwarded_for_is_trusted_only_with_configured_proxy_hops(app_config, make_app, make_user):
    user = make_user()
    plain = make_app({**app_config, "LOGIN_LIMIT_PER_CLIENT": "3 per minute"})
    proxied = make_app(
        {
            **app_config,
            "LOGIN_LIMIT_PER_CLIENT": "3 per minute",
            "PROXY_HOPS": 1,
        }
    )

    def attempts(application):
        client = application.test_client()
        return [
            client.post(
                "/login",
                data={"email": user.email, "password": "wrong password"},
                headers={"X-Forwarded-For": f"198.51.100.{i}"},
            ).status_code
            for i in range(5)
        ]

    assert attempts(plain) == [401, 401, 401, 429, 429]  # spoofed XFF ignored: one client
    assert attempts(proxied) == [401] * 5  # behind a trusted proxy each forwarded address is its own client


def test_production_session_cookie_is_host_prefixed_secure_httponly_lax(app_config, make_app, make_user):
    production = make_app({**app_config, **production_overrides()})
    user = make_user()
    client = production.test_client()
    response = client.post(
        "/login",
        data={"email": user.email, "password": "correct horse battery"},
        base_url="https://localhost",
    )
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-evosync=")
    for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert flag in cookie
    assert "Domain=" not in cookie


def test_csv_export_and_redirects_carry_the_headers(auth_client):
    export = auth_client.get("/catalog/export.csv")
    _assert_security_headers(export)
    assert export.headers.get("Cache-Control") == "no-store"
