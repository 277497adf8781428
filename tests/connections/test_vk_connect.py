"""Connecting VK through VK ID (PKCE + device_id), the community picker, health, revoke."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from evosync.connections.models import Connection, OAuthState
from evosync.connections.service import save_tokens


def _vk(db):
    return db.session.scalar(select(Connection).where(Connection.provider == "vk"))


def test_authorize_url_carries_state_pkce_scope_and_exact_redirect(auth_client, sandbox, db):
    location = auth_client.get("/vk/connect").headers["Location"]
    assert location.startswith(sandbox.url + "/vkid/authorize?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) >= 43 and "code_verifier" not in query
    assert len(query["state"]) >= 22  # ≥ 128 bits
    assert query["redirect_uri"] == "http://localhost/vk/callback"
    assert query["scope"] == "market photos groups"
    # The verifier is kept server-side, encrypted — not in the cookie.
    [state] = db.session.scalars(select(OAuthState)).all()
    assert "code_verifier" not in state.value_enc


def test_full_flow_saves_profile_and_sends_user_to_the_community_picker(connect_vk, auth_client, db, sandbox):
    response = connect_vk()
    assert response.status_code == 302 and response.headers["Location"].endswith("/vk/community")
    connection = _vk(db)
    assert connection.account_id == str(sandbox.vk_user_id)
    assert connection.account_name and connection.avatar_url and connection.screen_name
    assert connection.device_id and connection.refresh_token_enc and connection.token_expires_at
    assert connection.status == "warning" and connection.reason_code == "no_community"
    # Code exchange carried verifier + device_id, at VK's token URL only.
    exchanges = [r for r in sandbox.requests("vkid") if r["params"].get("grant_type") == "authorization_code"]
    assert len(exchanges) == 1
    assert exchanges[0]["params"]["code_verifier"] == "***" and exchanges[0]["params"]["device_id"]
    assert not any(r["service"] == "evotor_oauth" for r in sandbox.requests())

    picker = auth_client.get("/vk/community").get_data(as_text=True)
    assert "Мой магазин" in picker or str(sandbox.vk_group_id) in picker
    assert str(sandbox.vk_member_group_id) not in picker  # only administered communities are offered
    chosen = auth_client.post("/vk/community", data={"group_id": str(sandbox.vk_group_id)})
    assert chosen.status_code == 302
    connection = _vk(db)
    assert connection.vk_group_id == sandbox.vk_group_id and connection.vk_market_enabled is True
    assert connection.status == "ok"
    # The community's own name may hold «ёлочки»: the message does not wrap it in a second pair.
    assert f"Выбрано сообщество: {connection.vk_group_name}." in auth_client.get("/connections").get_data(
        as_text=True
    )
    card = auth_client.get("/connections/vk/card").get_data(as_text=True)
    assert connection.account_name in card and "работает" in card
    # A community VK gave no name for says so, with the address VK gives it, not a bare number.
    connection.vk_group_name = None
    db.session.commit()
    card = auth_client.get("/connections/vk/card").get_data(as_text=True)
    assert f'<strong data-testid="vk-community">без названия (club{sandbox.vk_group_id})</strong>' in card
    # The page asks for both services until Evotor is connected too, then leads to the catalog.
    dashboard = auth_client.get("/connections").get_data(as_text=True)
    assert "Подключите оба сервиса" in dashboard and "Перейти к каталогу" not in dashboard
    save_tokens(connection.user_id, "evotor", sandbox.evotor_token, auth_method="token")
    db.session.commit()
    dashboard = auth_client.get("/connections").get_data(as_text=True)
    assert "Подключите оба сервиса" not in dashboard
    assert "Оба сервиса подключены" in dashboard and "Перейти к каталогу" in dashboard


def test_picking_a_community_with_market_off_warns(connect_vk, auth_client, db, sandbox):
    connect_vk()
    response = auth_client.post("/vk/community", data={"group_id": str(sandbox.vk_market_off_group_id)})
    assert response.status_code == 302
    page = auth_client.get("/connections").get_data(as_text=True)
    assert "выключены Товары" in page
    assert _vk(db).status == "error" and _vk(db).reason_code == "market_off"


@pytest.mark.parametrize("group_id", ["", "abc", "-", "0", "9" * 40, "\x00"])
def test_bad_community_ids_are_400(connect_vk, auth_client, db, sandbox, group_id):
    connect_vk()
    response = auth_client.post("/vk/community", data={"group_id": group_id})
    assert response.status_code == 400
    assert _vk(db).vk_group_id is None


def test_community_not_administered_is_refused(connect_vk, auth_client, db, sandbox):
    connect_vk()
    response = auth_client.post("/vk/community", data={"group_id": str(sandbox.vk_member_group_id)})
    assert response.status_code == 400
    assert "не администратор" in response.get_data(as_text=True)


def test_revoked_token_turns_the_card_red_and_reconnecting_fixes_it(connect_vk, auth_client, db, sandbox):
    connect_vk()
    auth_client.post("/vk/community", data={"group_id": str(sandbox.vk_group_id)})
    sandbox.revoke(user_id=sandbox.vk_user_id)
    card = auth_client.post("/connections/vk/check", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "ошибка" in card and "подключите ВКонтакте заново" in card
    assert _vk(db).status == "error"
    connect_vk()
    connection = _vk(db)
    assert connection.status == "ok" and connection.vk_group_id == sandbox.vk_group_id


def test_disconnect_revokes_at_vk_and_deletes_tokens(connect_vk, auth_client, db, sandbox):
    connect_vk()
    assert auth_client.post("/vk/disconnect").status_code == 302
    assert _vk(db) is None
    assert sandbox.counters()["token_endpoint"].get("revoke", 0) == 1
