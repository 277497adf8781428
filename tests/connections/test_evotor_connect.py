"""Connecting Evotor: pasted cloud token (checked first) and OAuth; encrypted at rest; disconnect."""

from __future__ import annotations

from sqlalchemy import select, text

from evosync.connections.models import Connection
from tests.connections.conftest import consent


def _connections(db):
    return db.session.scalars(select(Connection)).all()


def test_pasted_token_is_checked_saved_encrypted_and_shown_working(auth_client, db, sandbox):
    token = sandbox.mint_evotor_token()
    response = auth_client.post("/evotor/token", data={"token": token})
    assert response.status_code == 302
    [connection] = _connections(db)
    assert connection.provider == "evotor" and connection.auth_method == "token"
    assert connection.status == "ok" and connection.last_ok_at is not None
    raw = db.session.execute(text("SELECT access_token_enc FROM connections")).scalar()
    assert token not in raw
    page = auth_client.get("/connections").get_data(as_text=True)
    assert "работает" in page and token not in page
    # The token was tried against Evotor before it was saved.
    assert any(r["path"].endswith("/stores") for r in sandbox.requests("evotor"))


def test_invalid_pasted_token_saves_nothing_and_says_why_in_russian(auth_client, db, sandbox):
    response = auth_client.post("/evotor/token", data={"token": "00000000-0000-0000-0000-000000000000"})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Эвотор" in body and "токен" in body.lower()
    assert _connections(db) == []


def test_garbage_token_input_is_a_400_not_a_500(auth_client, db, sandbox):
    for value in ("", "   ", "a\x00b", "x" * 10_000, "токен с пробелами"):
        response = auth_client.post("/evotor/token", data={"token": value})
        assert response.status_code == 400, value[:20]
    assert _connections(db) == []


def test_evotor_oauth_flow(auth_client, db, sandbox):
    start = auth_client.get("/evotor/connect")
    assert start.status_code == 302
    location = start.headers["Location"]
    assert location.startswith(sandbox.url + "/evotor/oauth/authorize?")
    assert "state=" in location and "redirect_uri=http%3A%2F%2Flocalhost%2Fevotor%2Fcallback" in location
    callback = auth_client.get(consent(location))
    assert callback.status_code == 302, callback.get_data(as_text=True)[:300]
    [connection] = _connections(db)
    assert connection.auth_method == "oauth" and connection.status == "ok"
    # The code went to Evotor's token URL with HTTP Basic client auth, never to VK.
    token_requests = [
        r for r in sandbox.requests() if r["path"].endswith("/oauth/token") or "oauth2/auth" in r["path"]
    ]
    assert [r["service"] for r in token_requests] == ["evotor_oauth"]


def test_evotor_oauth_button_hidden_without_client_id(app, auth_client, db):
    app.config["EVOTOR_CLIENT_ID"] = None
    page = auth_client.get("/connections").get_data(as_text=True)
    assert "Войти через Эвотор" not in page
    assert auth_client.get("/evotor/connect").status_code == 404


def test_disconnect_asks_first_then_deletes_the_tokens(auth_client, db, sandbox):
    auth_client.post("/evotor/token", data={"token": sandbox.mint_evotor_token()})
    confirm = auth_client.get("/evotor/disconnect")
    assert confirm.status_code == 200 and "Отключить Эвотор?" in confirm.get_data(as_text=True)
    assert len(_connections(db)) == 1
    done = auth_client.post("/evotor/disconnect")
    assert done.status_code == 302
    assert _connections(db) == []
    assert auth_client.post("/evotor/disconnect").status_code == 404
