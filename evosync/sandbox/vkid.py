"""Emulated VK ID OAuth 2.1: consent page, code exchange with PKCE S256 and device_id, refresh with rotation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from urllib.parse import urlencode, urlsplit, urlunsplit

from flask import Blueprint, g, jsonify, redirect, request

from . import faults, tokens, vk_demo
from .layout import page
from .runtime import public_url, request_params, settings, state
from .state import bump, now, transaction

bp = Blueprint("sandbox_vkid", __name__)

CODE_TTL = 600
_VERIFIER = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")
AUTHORIZE_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "state",
    "scope",
    "code_challenge",
    "code_challenge_method",
)

CONSENT = """
<div class="card">
<h1>Вход через VK ID</h1>
<p>Приложение <b>{{ client_id }}</b> запрашивает доступ к вашему аккаунту ВКонтакте:</p>
<ul>{% for s in scopes %}<li>{{ s }}</li>{% endfor %}</ul>
<form method="post">
{% for k, v in params.items() %}<input type="hidden" name="{{ k }}" value="{{ v }}">{% endfor %}
<p><label>Аккаунт: <select name="user_id">
{% for uid, u in users.items() %}<option value="{{ uid }}">{{ u.first_name }} {{ u.last_name }}</option>{% endfor %}
</select></label></p>
<button class="btn btn-primary" type="submit" name="decision" value="allow">Разрешить</button>
<button class="btn" type="submit" name="decision" value="deny">Отмена</button>
</form></div>"""

ERROR_PAGE = """<div class="card"><h1>Ошибка авторизации</h1><p>{{ message }}</p></div>"""


def _client_ok(client_id: str | None) -> bool:
    return bool(client_id) and client_id == settings()["CLIENTS"]["vk"]["client_id"]


def _with_query(uri: str, values: dict) -> str:
    parts = urlsplit(uri)
    query = "&".join(filter(None, [parts.query, urlencode(values)]))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _redirect_ok(uri: str | None) -> bool:
    allowed = settings()["CLIENTS"]["vk"].get("redirect_uris")
    if not uri or urlsplit(uri).scheme not in ("http", "https"):
        return False
    return not allowed or uri in allowed


@bp.route("/authorize", methods=["GET", "POST"])
def authorize():
    """Show the consent page; on «Разрешить» redirect back with code, state and device_id."""
    g.sandbox_service = "vkid"
    params = request_params()
    if not _client_ok(params.get("client_id")):
        return page("Ошибка", ERROR_PAGE, 400, message="Неизвестное приложение (client_id).")
    redirect_uri = params.get("redirect_uri")
    if not _redirect_ok(redirect_uri):
        return page(
            "Ошибка", ERROR_PAGE, 400, message="Адрес возврата (redirect_uri) не разрешён для приложения."
        )
    missing = [k for k in AUTHORIZE_PARAMS if not params.get(k)]
    problem = None
    if missing:
        problem = "missing parameters: " + ", ".join(missing)
    elif params["response_type"] != "code":
        problem = "response_type must be code"
    elif params["code_challenge_method"] != "S256":
        problem = "code_challenge_method must be S256"
    if problem:
        return redirect(
            _with_query(
                redirect_uri,
                {"error": "invalid_request", "error_description": problem, "state": params.get("state", "")},
            )
        )
    if request.method == "GET":
        shown = {k: params[k] for k in AUTHORIZE_PARAMS}
        return page(
            "Вход через VK ID",
            CONSENT,
            client_id=params["client_id"],
            params=shown,
            scopes=params["scope"].replace(",", " ").split(),
            users=vk_demo.USERS,
        )
    if params.get("decision") != "allow":
        return redirect(
            _with_query(
                redirect_uri,
                {
                    "error": "access_denied",
                    "error_description": "User denied access",
                    "state": params["state"],
                },
            )
        )
    user_id = int(params.get("user_id") or vk_demo.DEMO_USER_ID)
    if user_id not in vk_demo.USERS:
        user_id = vk_demo.DEMO_USER_ID
    code, device_id = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    with state().connect() as conn:
        conn.execute(
            "INSERT INTO oauth_codes (code, provider, client_id, redirect_uri, user_id, scope, state, code_challenge,"
            " device_id, expires_at) VALUES (?, 'vk', ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                code,
                params["client_id"],
                redirect_uri,
                str(user_id),
                params["scope"],
                params["state"],
                params["code_challenge"],
                device_id,
                now() + int(settings().get("VKID_CODE_TTL", CODE_TTL)),
            ),
        )
    return redirect(
        _with_query(
            redirect_uri,
            {
                "code": code,
                "state": params["state"],
                "device_id": device_id,
                "type": "code_v2",
                "expires_in": CODE_TTL,
            },
        )
    )


def _oauth_error(error: str, description: str, status: int = 400):
    resp = jsonify({"error": error, "error_description": description})
    resp.status_code = status
    return resp


def _id_token(user_id: int, client_id: str) -> str:
    def b64(obj) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode()).decode().rstrip("=")

    t = int(now())
    head = b64({"alg": "HS256", "typ": "JWT"})
    body = b64(
        {"iss": f"{public_url()}/vkid", "sub": str(user_id), "aud": client_id, "iat": t, "exp": t + 3600}
    )
    key = (settings()["CLIENTS"]["vk"].get("client_secret") or "sandbox").encode()
    sig = base64.urlsafe_b64encode(hmac.new(key, f"{head}.{body}".encode(), hashlib.sha256).digest())
    return f"{head}.{body}.{sig.decode().rstrip('=')}"


def _grant(pair: dict, client_id: str, state_value: str | None):
    return jsonify(
        {
            "access_token": pair["access_token"],
            "refresh_token": pair["refresh_token"],
            "id_token": _id_token(pair["user_id"], client_id),
            "token_type": "Bearer",
            "expires_in": pair["expires_in"],
            "user_id": pair["user_id"],
            "state": state_value or "",
            "scope": pair["scope"],
        }
    )


def _client_problem(params: dict):
    if not params.get("client_id"):
        if request.headers.get("Authorization", "").lower().startswith("basic "):
            return _oauth_error(
                "invalid_client", "client_id must be sent in the request body, not HTTP Basic", 401
            )
        return _oauth_error("invalid_request", "client_id is missing")
    if not _client_ok(params["client_id"]):
        return _oauth_error("invalid_client", "unknown client_id", 401)
    secret = settings()["CLIENTS"]["vk"].get("client_secret")
    sent = params.get("client_secret")
    if sent is not None and not hmac.compare_digest(sent, secret or ""):
        return _oauth_error("invalid_client", "client_secret is wrong", 401)
    if sent is None and secret and settings().get("VKID_REQUIRE_SECRET"):
        return _oauth_error("invalid_client", "client_secret is missing", 401)
    return None


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def _exchange_code(conn, params: dict):
    missing = [k for k in ("code", "code_verifier", "device_id", "redirect_uri") if not params.get(k)]
    if missing:
        return _oauth_error("invalid_request", "missing: " + ", ".join(missing))
    with transaction(conn):
        row = conn.execute(
            "SELECT * FROM oauth_codes WHERE code = ? AND provider = 'vk'", (params["code"],)
        ).fetchone()
        if row is None:
            return _oauth_error("invalid_grant", "code is invalid")
        if row["used"]:
            # A replayed code revokes what it produced (OAuth 2.1 §4.1.3).
            if row["family"]:
                tokens.revoke_family(conn, row["family"])
            return _oauth_error("invalid_grant", "code has already been used")
        # Single use even when the exchange fails: a stolen code gets one guess at the verifier.
        conn.execute("UPDATE oauth_codes SET used = 1 WHERE code = ?", (row["code"],))
        if row["expires_at"] < now():
            return _oauth_error("invalid_grant", "code has expired")
        if row["client_id"] != params["client_id"] or row["redirect_uri"] != params["redirect_uri"]:
            return _oauth_error(
                "invalid_grant", "client_id or redirect_uri does not match the authorization request"
            )
        if row["device_id"] != params["device_id"]:
            return _oauth_error("invalid_grant", "device_id does not match")
        if not _VERIFIER.match(params["code_verifier"]):
            return _oauth_error(
                "invalid_request", "code_verifier must be 43-128 characters of [A-Za-z0-9._~-]"
            )
        if not hmac.compare_digest(_challenge(params["code_verifier"]), row["code_challenge"]):
            return _oauth_error("invalid_grant", "code_verifier does not match code_challenge")
        pair = tokens.mint_vk_pair(
            conn, int(row["user_id"]), row["client_id"], row["scope"], row["device_id"]
        )
        conn.execute("UPDATE oauth_codes SET family = ? WHERE code = ?", (pair["family"], row["code"]))
    return _grant(pair, params["client_id"], params.get("state"))


def _refresh(conn, params: dict):
    missing = [k for k in ("refresh_token", "device_id") if not params.get(k)]
    if missing:
        return _oauth_error("invalid_request", "missing: " + ", ".join(missing))
    with transaction(conn):
        row = conn.execute(
            "SELECT * FROM tokens WHERE token = ? AND kind = 'vk_refresh'", (params["refresh_token"],)
        ).fetchone()
        if row is None or row["revoked"] or row["expires_at"] < now():
            return _oauth_error("invalid_grant", "refresh_token is invalid or expired")
        if row["used"]:
            # Reuse of a rotated refresh token: assume it leaked and revoke the whole family.
            tokens.revoke_family(conn, row["family"])
            return _oauth_error(
                "invalid_grant", "refresh_token has already been used; all tokens are revoked"
            )
        if row["client_id"] != params["client_id"] or row["device_id"] != params["device_id"]:
            return _oauth_error("invalid_grant", "client_id or device_id does not match the token")
        conn.execute("UPDATE tokens SET used = 1 WHERE token = ?", (row["token"],))
        pair = tokens.mint_vk_pair(
            conn,
            int(row["user_id"]),
            row["client_id"],
            params.get("scope") or row["scope"],
            row["device_id"],
            row["family"],
        )
    return _grant(pair, params["client_id"], params.get("state"))


@bp.post("/oauth2/auth")
def token():
    """The token endpoint: ``authorization_code`` and ``refresh_token`` grants; every request is counted."""
    g.sandbox_service = "vkid"
    params = request_params()
    grant = params.get("grant_type", "")
    g.sandbox_method = f"token:{grant}"
    with state().connect() as conn:
        bump(conn, "vkid:token")
        bump(conn, f"vkid:token:{grant or 'none'}")
    status = faults.delay(state(), "vkid")
    if status:
        return _oauth_error("server_error", "internal error", status)
    problem = _client_problem(params)
    if problem:
        return problem
    with state().connect() as conn:
        if grant == "authorization_code":
            return _exchange_code(conn, params)
        if grant == "refresh_token":
            return _refresh(conn, params)
    return _oauth_error("unsupported_grant_type", "grant_type must be authorization_code or refresh_token")


def _access_row(conn, params: dict):
    header = request.headers.get("Authorization", "")
    token = params.get("access_token") or (
        header[7:].strip() if header.lower().startswith("bearer ") else None
    )
    g.sandbox_token = token
    return tokens.lookup(conn, token, "vk_access") if token else None


@bp.post("/oauth2/user_info")
def user_info():
    """Return the token owner's profile: ``{"user": {user_id, first_name, last_name, avatar, …}}``."""
    g.sandbox_service = "vkid"
    params = request_params()
    with state().connect() as conn:
        bump(conn, "vkid:user_info")
        problem = _client_problem(params)
        if problem:
            return problem
        row = _access_row(conn, params)
    if row is None:
        return _oauth_error("invalid_token", "access_token is invalid or expired", 401)
    user_id = int(row["user_id"])
    u = vk_demo.USERS[user_id]
    user = {
        "user_id": str(user_id),
        "first_name": u["first_name"],
        "last_name": u["last_name"],
        "avatar": vk_demo.avatar_url(public_url(), f"u{user_id}"),
        "sex": u["sex"],
        "verified": False,
        "birthday": "",
    }
    if "email" in row["scope"].replace(",", " ").split():
        user["email"] = u["email"]
    return jsonify({"user": user})


@bp.post("/oauth2/revoke")
def revoke():
    """Revoke the token's whole family (access and refresh); answers ``{"response": 1}``."""
    g.sandbox_service = "vkid"
    params = request_params()
    with state().connect() as conn:
        bump(conn, "vkid:revoke")
        problem = _client_problem(params)
        if problem:
            return problem
        row = _access_row(conn, params)
        if row is not None:
            tokens.revoke_family(conn, row["family"])
    return jsonify({"response": 1})
