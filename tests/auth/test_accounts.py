"""Register, log in, log out; sessions die with logout; passwords hashed with argon2id."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from evosync.auth.models import LoginSession, User


def test_register_creates_an_unconfirmed_account_that_can_log_in(client, db):
    response = client.post(
        "/register", data={"email": "  Shop@Example.RU ", "password": "a long pass phrase"}
    )
    assert response.status_code == 200
    assert "Проверьте почту" in response.get_data(as_text=True)
    user = db.session.scalar(select(User))
    assert user.email_confirmed_at is None
    assert user.email == "shop@example.ru"
    assert user.password_hash.startswith("$argon2id$")
    assert client.get("/connections").status_code == 302  # registering does not log in (see below)
    client.post("/login", data={"email": "shop@example.ru", "password": "a long pass phrase"})
    assert client.get("/connections").status_code == 200


def test_default_password_hash_meets_owasp_and_production_refuses_less(make_app, app_config):
    from evosync.auth.passwords import hash_password
    from evosync.config import DEFAULTS, ConfigError

    strong = {
        k: v
        for k, v in app_config.items()
        if k not in ("PASSWORD_HASH_MEMORY_KIB", "PASSWORD_HASH_TIME_COST")
    }
    with make_app(strong).app_context():
        stored = hash_password("a long pass phrase")
    params = dict(p.split("=") for p in stored.split("$")[3].split(","))
    assert int(params["m"]) == DEFAULTS["PASSWORD_HASH_MEMORY_KIB"] >= 19456
    assert int(params["t"]) == DEFAULTS["PASSWORD_HASH_TIME_COST"] >= 2
    with pytest.raises(ConfigError, match="PASSWORD_HASH"):
        make_app({**app_config, "ENV": "production"})


def test_register_with_a_taken_email_answers_as_usual_and_creates_nothing(client, make_user, db):
    make_user(email="shop@example.ru")
    response = client.post("/register", data={"email": "SHOP@example.ru", "password": "another long phrase"})
    assert response.status_code == 200
    assert "Проверьте почту" in response.get_data(as_text=True)
    assert "уже зарегистрирован" not in response.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(User)) == 1


def test_register_rejects_bad_input_with_russian_message(client, db):
    for data, message in [
        ({"email": "not-an-email", "password": "long enough pw"}, "ошибка"),
        ({"email": "a@b.ru", "password": "short"}, "не короче 8"),
        ({"email": "a@b.ru", "password": "12345678"}, "распространён"),
        ({"email": "a\x00@b.ru", "password": "long enough pw"}, "ошибка"),
        ({}, "Укажите почту"),
    ]:
        response = client.post("/register", data=data)
        assert response.status_code == 400, data
        assert message in response.get_data(as_text=True), data
    assert db.session.scalar(select(db.func.count()).select_from(User)) == 0


def test_64_character_password_is_accepted(client):
    response = client.post("/register", data={"email": "long@example.ru", "password": "p" * 64})
    assert response.status_code == 200


def test_login_with_wrong_password_fails_without_revealing_which_part(client, user):
    wrong_password = client.post("/login", data={"email": user.email, "password": "wrong password!"})
    unknown_email = client.post("/login", data={"email": "nobody@example.ru", "password": "wrong password!"})
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert "Неверная почта или пароль" in wrong_password.get_data(as_text=True)
    assert "Неверная почта или пароль" in unknown_email.get_data(as_text=True)
    assert client.get("/connections").status_code == 302


def test_login_follows_safe_next_only(client, user):
    ok = client.post("/login?next=/sync", data={"email": user.email, "password": "correct horse battery"})
    assert ok.headers["Location"] == "/sync"
    client.post("/logout")
    evil = client.post(
        "/login?next=//evil.example/x", data={"email": user.email, "password": "correct horse battery"}
    )
    assert evil.headers["Location"] == "/connections"


def test_protected_pages_redirect_anonymous_users_to_login(client, db):
    for path in ("/connections", "/catalog", "/sync"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")


def test_htmx_request_with_expired_session_gets_401_and_hx_redirect(client, db):
    response = client.get("/catalog", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")


def test_logout_kills_the_server_side_session_so_a_replayed_cookie_is_useless(app, client, user, login, db):
    login(user.email)
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    assert client.get("/connections").status_code == 200
    assert db.session.scalar(select(db.func.count()).select_from(LoginSession)) == 1

    assert client.post("/logout").status_code == 302
    assert db.session.scalar(select(db.func.count()).select_from(LoginSession)) == 0

    replay = app.test_client()
    replay.set_cookie(cookie.key, cookie.value)
    response = replay.get("/connections")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_session_cookie_is_rotated_at_login_and_flags_are_set(app, client, user):
    client.get("/login")
    before = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    response = client.post("/login", data={"email": user.email, "password": "correct horse battery"})
    set_cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in set_cookie
    assert "SameSite=Lax" in set_cookie
    after = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert before is None or before.value != after.value


def test_idle_session_expires(app, client, user, login, db):
    from datetime import timedelta

    login(user.email)
    row = db.session.scalar(select(LoginSession))
    row.last_seen_at = row.last_seen_at - timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
    db.session.commit()
    assert client.get("/connections").status_code == 302
    assert db.session.scalar(select(db.func.count()).select_from(LoginSession)) == 0


def test_users_create_cli(runner, db):
    result = runner.invoke(args=["users", "create", "Cli@Example.ru", "--password", "cli password 1"])
    assert result.exit_code == 0, result.output
    assert "created user" in result.output
    assert db.session.scalar(select(User.email)) == "cli@example.ru"

    duplicate = runner.invoke(args=["users", "create", "cli@example.ru", "--password", "cli password 1"])
    assert duplicate.exit_code == 1
    assert "exists" in duplicate.output

    generated = runner.invoke(args=["users", "create", "gen@example.ru"], input="")
    assert generated.exit_code == 0
    assert "generated password:" in generated.output


def test_password_change_logs_out_other_sessions_but_keeps_this_one(app, client, user, login, db):
    login(user.email)
    other_browser = app.test_client()
    other_browser.post("/login", data={"email": user.email, "password": "correct horse battery"})
    assert other_browser.get("/connections").status_code == 200

    wrong = client.post(
        "/account", data={"current_password": "nope nope nope", "new_password": "brand new phrase"}
    )
    assert wrong.status_code == 400 and "неверно" in wrong.get_data(as_text=True)
    weak = client.post(
        "/account", data={"current_password": "correct horse battery", "new_password": "short"}
    )
    assert weak.status_code == 400

    done = client.post(
        "/account", data={"current_password": "correct horse battery", "new_password": "brand new phrase"}
    )
    assert done.status_code == 302
    assert client.get("/connections").status_code == 200
    replay = other_browser.get("/connections")
    assert replay.status_code == 302 and "/login" in replay.headers["Location"]
    assert client.post("/logout").status_code == 302
    assert login(user.email, "brand new phrase").status_code == 302


def test_htmx_session_expiry_sends_the_user_back_to_the_page_not_the_fragment(client, db):
    response = client.get(
        "/connections/vk/card",
        headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/connections?tab=vk"},
    )
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login?next=/connections?tab%3Dvk"


def test_polling_does_not_keep_an_idle_session_alive(app, client, user, login, db):
    from datetime import timedelta

    login(user.email)
    row = db.session.scalar(select(LoginSession))
    row.last_seen_at = row.last_seen_at - timedelta(minutes=5)
    db.session.commit()
    before = row.last_seen_at
    assert (
        client.get("/connections/vk/card", headers={"HX-Request": "true", "X-EvoSync-Poll": "1"}).status_code
        == 200
    )
    db.session.refresh(row)
    assert row.last_seen_at == before
    assert client.get("/connections").status_code == 200
    db.session.refresh(row)
    assert row.last_seen_at > before


def test_users_cli_rejects_odd_ids(runner, db):
    from evosync.auth.service import find_user

    with runner.app.app_context():
        assert find_user("²") is None
        assert find_user("99999999999") is None
