"""OAuth starts: callbacks from PUBLIC_URL (never the Host header), PKCE for Evotor, bounded state, throttling."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import func, select

from evosync.connections.models import Connection, OAuthState
from tests.connections.conftest import consent

PUBLIC = "https://evosync.example.ru"


def _query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


@pytest.mark.parametrize("provider", ["vk", "evotor"])
def test_callback_url_comes_from_public_url_not_the_host_header(
    app_config, provider, sandbox, make_app, make_user
):
    app = make_app({**app_config, "PUBLIC_URL": PUBLIC})
    user = make_user()
    client = app.test_client()
    evil = {"Host": "evil.example"}
    client.post("/login", data={"email": user.email, "password": "correct horse battery"}, headers=evil)
    start = client.get(f"/{provider}/connect", headers=evil)
    assert start.status_code == 302
    assert _query(start.headers["Location"])["redirect_uri"] == f"{PUBLIC}/{provider}/callback"


def test_evotor_flow_uses_pkce_and_the_sandbox_checks_the_verifier(auth_client, db, sandbox):
    first = auth_client.get("/evotor/connect").headers["Location"]
    params = _query(first)
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) == 43
    # A stolen code without the verifier (kept server-side) is refused by the token endpoint.
    code = _query(consent(first))["code"]
    clients = sandbox.server.app.config["SANDBOX"]["CLIENTS"]["evotor"]
    stolen = requests.post(
        f"{sandbox.url}/evotor/oauth/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": params["redirect_uri"]},
        auth=(clients["client_id"], clients["client_secret"]),
        timeout=10,
    )
    assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_grant"
    # The app's own exchange (with the verifier) connects.
    second = auth_client.get("/evotor/connect").headers["Location"]
    assert auth_client.get(consent(second)).status_code == 302
    assert db.session.scalar(select(Connection.status)) == "ok"


def _pending_markers(client, provider: str) -> int:
    with client.session_transaction() as session:
        return sum(key.startswith(f"_state_{provider}_") for key in session)


def test_repeated_starts_keep_only_the_newest_five_flows(app, auth_client, db, sandbox):
    app.config["CONNECT_LIMIT_PER_USER"] = "1000 per minute"
    locations = [auth_client.get("/vk/connect").headers["Location"] for _ in range(12)]
    assert _pending_markers(auth_client, "vk") == 5
    assert db.session.scalar(select(func.count()).select_from(OAuthState)) == 5
    oldest = auth_client.get(consent(locations[0]))
    assert oldest.status_code == 400
    assert "начните подключение заново" in oldest.get_data(as_text=True)
    newest = auth_client.get(consent(locations[-1]))
    assert newest.status_code == 302
    assert db.session.scalar(select(Connection.provider)) == "vk"


def test_connect_starts_are_throttled_per_user_with_a_russian_answer(app, auth_client, make_user, sandbox):
    app.config["CONNECT_LIMIT_PER_USER"] = "3 per 10 minutes"
    statuses = [auth_client.get("/evotor/connect").status_code for _ in range(3)]
    refused = auth_client.get("/vk/connect")
    assert statuses == [302, 302, 302]
    assert refused.status_code == 429
    assert "Слишком много попыток подключения" in refused.get_data(as_text=True)
    other = make_user()
    other_client = app.test_client()
    other_client.post("/login", data={"email": other.email, "password": "correct horse battery"})
    assert other_client.get("/vk/connect").status_code == 302
