"""The emulated VK ID OAuth 2.1: consent, PKCE S256, device_id, single-use codes, refresh rotation."""

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

REDIRECT = "http://127.0.0.1:9/connections/vk/callback"


def _pkce():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def _authorize_params(cfg, challenge, **over):
    params = {
        "response_type": "code",
        "client_id": cfg["VK_CLIENT_ID"],
        "redirect_uri": REDIRECT,
        "state": "st-1",
        "scope": "market photos groups offline",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    params.update(over)
    return params


def _consent(cfg, challenge, decision="allow", **over):
    params = _authorize_params(cfg, challenge, **over)
    resp = requests.post(
        cfg["VK_AUTHORIZE_URL"], data={**params, "decision": decision}, allow_redirects=False, timeout=5
    )
    assert resp.status_code == 302
    return {k: v[0] for k, v in parse_qs(urlsplit(resp.headers["Location"]).query).items()}


def _exchange(cfg, code, verifier, device, **over):
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "code_verifier": verifier,
        "device_id": device,
        "redirect_uri": REDIRECT,
        "client_id": cfg["VK_CLIENT_ID"],
        "client_secret": cfg["VK_CLIENT_SECRET"],
        "state": "st-1",
    }
    form.update(over)
    return requests.post(
        cfg["VK_TOKEN_URL"], data={k: v for k, v in form.items() if v is not None}, timeout=5
    )


@pytest.fixture
def login(sandbox):
    """Run the consent page and the code exchange; return (config, token response, device_id)."""
    cfg = sandbox.config()
    verifier, challenge = _pkce()
    back = _consent(cfg, challenge)
    resp = _exchange(cfg, back["code"], verifier, back["device_id"])
    assert resp.status_code == 200, resp.text
    return cfg, resp.json(), back["device_id"]


def test_consent_page_is_russian_with_two_buttons(sandbox):
    cfg = sandbox.config()
    page = requests.get(cfg["VK_AUTHORIZE_URL"], params=_authorize_params(cfg, _pkce()[1]), timeout=5)
    assert page.status_code == 200
    assert "Разрешить" in page.text and "Отмена" in page.text


def test_allow_and_cancel_redirects(sandbox):
    cfg = sandbox.config()
    back = _consent(cfg, _pkce()[1])
    assert back["state"] == "st-1" and back["code"] and back["device_id"]
    denied = _consent(cfg, _pkce()[1], decision="deny")
    assert denied["error"] == "access_denied" and denied["state"] == "st-1"


def test_authorize_requires_pkce_s256(sandbox):
    cfg = sandbox.config()
    plain = _consent(cfg, _pkce()[1], code_challenge_method="plain")
    assert plain["error"] == "invalid_request"
    missing = _consent(cfg, "", decision="allow")
    assert missing["error"] == "invalid_request"
    unknown = requests.get(
        cfg["VK_AUTHORIZE_URL"], params=_authorize_params(cfg, "x", client_id="nope"), timeout=5
    )
    assert unknown.status_code == 400


def test_code_exchange_returns_a_working_token(sandbox, login):
    cfg, tokens, _ = login
    assert tokens["expires_in"] == 3600 and tokens["refresh_token"] and tokens["id_token"].count(".") == 2
    assert (
        tokens["user_id"] == sandbox.vk_user_id and tokens["state"] == "st-1" and "market" in tokens["scope"]
    )
    assert sandbox.vk("users.get", tokens["access_token"])["response"][0]["id"] == sandbox.vk_user_id
    info = requests.post(
        cfg["VK_USERINFO_URL"],
        data={"client_id": cfg["VK_CLIENT_ID"], "access_token": tokens["access_token"]},
        timeout=5,
    ).json()
    assert info["user"]["first_name"] == "Анна" and requests.get(info["user"]["avatar"], timeout=5).ok


@pytest.mark.parametrize("wrong", ["verifier", "device_id", "redirect_uri", "client_id"])
def test_code_exchange_rejects_mismatches(sandbox, wrong):
    cfg = sandbox.config()
    verifier, challenge = _pkce()
    back = _consent(cfg, challenge)
    over = {
        "verifier": {"code_verifier": _pkce()[0]},
        "device_id": {"device_id": "other-device"},
        "redirect_uri": {"redirect_uri": REDIRECT + "x"},
        "client_id": {"client_id": "123"},
    }[wrong]
    resp = _exchange(cfg, back["code"], verifier, back["device_id"], **over)
    assert resp.status_code in (400, 401) and resp.json()["error"] in ("invalid_grant", "invalid_client")


def test_code_replay_is_rejected_and_revokes_the_tokens(sandbox):
    cfg = sandbox.config()
    verifier, challenge = _pkce()
    back = _consent(cfg, challenge)
    first = _exchange(cfg, back["code"], verifier, back["device_id"]).json()
    replay = _exchange(cfg, back["code"], verifier, back["device_id"])
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert sandbox.vk("users.get", first["access_token"])["error"]["error_code"] == 5


def test_client_id_only_in_basic_auth_is_rejected(sandbox):
    cfg = sandbox.config()
    verifier, challenge = _pkce()
    back = _consent(cfg, challenge)
    form = {
        "grant_type": "authorization_code",
        "code": back["code"],
        "code_verifier": verifier,
        "device_id": back["device_id"],
        "redirect_uri": REDIRECT,
    }
    resp = requests.post(
        cfg["VK_TOKEN_URL"], data=form, auth=(cfg["VK_CLIENT_ID"], cfg["VK_CLIENT_SECRET"]), timeout=5
    )
    assert resp.status_code == 401 and resp.json()["error"] == "invalid_client"


def _refresh(cfg, refresh_token, device_id):
    return requests.post(
        cfg["VK_TOKEN_URL"],
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "device_id": device_id,
            "client_id": cfg["VK_CLIENT_ID"],
            "client_secret": cfg["VK_CLIENT_SECRET"],
            "state": "r",
        },
        timeout=5,
    )


def test_refresh_rotates_and_reuse_revokes_the_family(sandbox, login):
    cfg, tokens, device_id = login
    sandbox.clear_log()
    rotated = _refresh(cfg, tokens["refresh_token"], device_id)
    assert rotated.status_code == 200
    new = rotated.json()
    assert new["refresh_token"] != tokens["refresh_token"] and new["expires_in"] == 3600
    assert sandbox.refresh_requests() == 1
    assert sandbox.vk("users.get", new["access_token"])["response"]
    reuse = _refresh(cfg, tokens["refresh_token"], device_id)
    assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"
    assert sandbox.vk("users.get", new["access_token"])["error"]["error_code"] == 5
    assert _refresh(cfg, new["refresh_token"], device_id).status_code == 400
    assert sandbox.counters()["token_endpoint"]["token"] == 3


def test_refresh_needs_the_same_device_id(sandbox, login):
    cfg, tokens, _ = login
    assert _refresh(cfg, tokens["refresh_token"], "another-device").status_code == 400


def test_expired_access_token_then_refresh(sandbox, login):
    cfg, tokens, device_id = login
    sandbox.expire_vk_tokens(user_id=sandbox.vk_user_id)
    assert sandbox.vk("users.get", tokens["access_token"])["error"]["error_code"] == 5
    new = _refresh(cfg, tokens["refresh_token"], device_id).json()
    assert sandbox.vk("users.get", new["access_token"])["response"]


def test_revoke(sandbox, login):
    cfg, tokens, device_id = login
    resp = requests.post(
        cfg["VK_REVOKE_URL"],
        data={"client_id": cfg["VK_CLIENT_ID"], "access_token": tokens["access_token"]},
        timeout=5,
    )
    assert resp.json() == {"response": 1}
    assert sandbox.vk("users.get", tokens["access_token"])["error"]["error_code"] == 5
    assert _refresh(cfg, tokens["refresh_token"], device_id).status_code == 400


def test_secrets_never_reach_the_log(sandbox, login):
    _cfg, tokens, _ = login
    sandbox.vk("users.get", tokens["access_token"])
    requests.get(
        f"{sandbox.url}/vk/method/users.get",
        params={"v": "5.199", "access_token": tokens["access_token"]},
        timeout=5,
    )
    log = sandbox.requests()
    text = repr(log)
    assert tokens["access_token"] not in text and tokens["refresh_token"] not in text
    vk_calls = [r for r in log if r["service"] == "vk"]
    assert [r["token_in_query"] for r in vk_calls] == [False, True]
    exchange = next(r for r in log if r["path"] == "/vkid/oauth2/auth")
    assert exchange["params"]["code_verifier"] == "***" and exchange["params"]["client_secret"] == "***"
