"""OAuth callback negative matrix: every failure is a 4xx with a Russian message and saves nothing."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from sqlalchemy import func, select

from evosync.connections.models import Connection
from tests.connections.conftest import consent


def _count(db):
    return db.session.scalar(select(func.count()).select_from(Connection))


def _callback_params(auth_client, provider):
    location = auth_client.get(f"/{provider}/connect").headers["Location"]
    back = urlsplit("http://x" + consent(location))
    return back.path, {k: v[0] for k, v in parse_qs(back.query).items()}


@pytest.mark.parametrize("provider", ["vk", "evotor"])
@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda p: p.pop("state"), "начните подключение заново"),
        (lambda p: p.update(state="forged-state-value"), "начните подключение заново"),
        (lambda p: p.pop("code"), "код авторизации"),
        (lambda p: p.update(error="access_denied"), "отменено"),
    ],
    ids=["missing-state", "wrong-state", "missing-code", "denied"],
)
def test_bad_callbacks(auth_client, db, sandbox, provider, mutate, message):
    path, params = _callback_params(auth_client, provider)
    mutate(params)
    response = auth_client.get(f"{path}?{urlencode(params)}")
    assert 400 <= response.status_code < 500
    assert message in response.get_data(as_text=True)
    assert _count(db) == 0


def test_missing_device_id_is_refused(auth_client, db, sandbox):
    path, params = _callback_params(auth_client, "vk")
    params.pop("device_id")
    response = auth_client.get(f"{path}?{urlencode(params)}")
    assert response.status_code == 400 and "идентификатор устройства" in response.get_data(as_text=True)
    assert _count(db) == 0


def test_replayed_callback_is_refused(auth_client, db, sandbox):
    path, params = _callback_params(auth_client, "vk")
    assert auth_client.get(f"{path}?{urlencode(params)}").status_code == 302
    db.session.execute(Connection.__table__.delete())
    db.session.commit()
    replay = auth_client.get(f"{path}?{urlencode(params)}")
    assert replay.status_code == 400
    assert _count(db) == 0


def test_state_from_another_users_session_is_refused(app, auth_client, make_user, db, sandbox):
    path, params = _callback_params(auth_client, "vk")
    other = make_user(email="other@example.ru")
    intruder = app.test_client()
    intruder.post("/login", data={"email": other.email, "password": "correct horse battery"})
    response = intruder.get(f"{path}?{urlencode(params)}")
    assert response.status_code == 400
    assert _count(db) == 0


def test_vk_state_presented_at_the_evotor_callback_is_refused(auth_client, db, sandbox):
    _, params = _callback_params(auth_client, "vk")
    response = auth_client.get(f"/evotor/callback?{urlencode(params)}")
    assert response.status_code == 400
    assert _count(db) == 0
    # The VK code never reached Evotor's token endpoint.
    assert not any(r["service"] == "evotor_oauth" and r["http_method"] == "POST" for r in sandbox.requests())


def test_token_endpoint_refusing_is_a_4xx(auth_client, db, sandbox):
    path, params = _callback_params(auth_client, "vk")
    sandbox.fault("http_error", status=400, service="vkid", count=1)
    response = auth_client.get(f"{path}?{urlencode(params)}")
    assert 400 <= response.status_code < 500
    assert "отклонил подключение" in response.get_data(as_text=True)
    assert _count(db) == 0
