"""Emulated Evotor OAuth (authorization code): a Russian consent page and the token endpoint."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

from flask import Blueprint, g, jsonify, redirect, request

from . import faults, tokens
from .layout import page
from .runtime import request_params, settings, state, with_query
from .state import bump, now, transaction

bp = Blueprint("sandbox_evotor_oauth", __name__)

ACCESS_TTL = 604800  # access_token_validity in Evotor's documented example (7 days)

CONSENT = """
<div class="card">
<h1>Эвотор: доступ для приложения</h1>
<p>Приложение <b>{{ client_id }}</b> просит доступ к данным вашего облака Эвотор:
магазины, группы товаров, товары и остатки.</p>
<form method="post">
{% for k, v in params.items() %}<input type="hidden" name="{{ k }}" value="{{ v }}">{% endfor %}
<button class="btn btn-primary" type="submit" name="decision" value="allow">Разрешить доступ</button>
<button class="btn" type="submit" name="decision" value="deny">Отказать</button>
</form></div>"""

ERROR_PAGE = """<div class="card"><h1>Ошибка авторизации Эвотор</h1><p>{{ message }}</p></div>"""


@bp.route("/authorize", methods=["GET", "POST"])
def authorize():
    """Show the consent page; on «Разрешить доступ» redirect back with ``code`` (and ``state``)."""
    g.sandbox_service = "evotor_oauth"
    params = request_params()
    client = settings()["CLIENTS"]["evotor"]
    if params.get("client_id") != client["client_id"]:
        return page("Ошибка", ERROR_PAGE, 400, message="Неизвестное приложение (client_id).")
    redirect_uri = params.get("redirect_uri", "")
    if not redirect_uri.startswith(("http://", "https://")):
        return page("Ошибка", ERROR_PAGE, 400, message="Не указан адрес возврата (redirect_uri).")
    if params.get("response_type") != "code":
        return redirect(
            with_query(redirect_uri, {"error": "unsupported_response_type", "state": params.get("state", "")})
        )
    if params.get("code_challenge") and params.get("code_challenge_method") != "S256":
        return redirect(
            with_query(redirect_uri, {"error": "invalid_request", "state": params.get("state", "")})
        )
    keys = (
        "client_id",
        "redirect_uri",
        "response_type",
        "state",
        "scope",
        "code_challenge",
        "code_challenge_method",
    )
    shown = {k: params[k] for k in keys if k in params}
    if request.method == "GET":
        return page("Доступ к Эвотор", CONSENT, client_id=params["client_id"], params=shown)
    extra = {"state": params["state"]} if params.get("state") else {}
    if params.get("decision") != "allow":
        return redirect(with_query(redirect_uri, {"error": "access_denied", **extra}))
    code = secrets.token_urlsafe(16)
    with state().connect() as conn:
        conn.execute(
            "INSERT INTO oauth_codes (code, provider, client_id, redirect_uri, user_id, scope, state,"
            " code_challenge, expires_at) VALUES (?, 'evotor', ?, ?, '', ?, ?, ?, ?)",
            (
                code,
                params["client_id"],
                redirect_uri,
                params.get("scope") or tokens.EVOTOR_SCOPE,
                params.get("state"),
                params.get("code_challenge") or None,
                now() + 600,
            ),
        )
    return redirect(with_query(redirect_uri, {"code": code, **extra}))


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _error(error: str, description: str, status: int = 400):
    resp = jsonify({"error": error, "error_description": description})
    resp.status_code = status
    return resp


def _client_credentials(params: dict) -> tuple[str | None, str | None]:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None, None
        return user, password
    return params.get("client_id"), params.get("client_secret")


@bp.post("/token")
def token():
    """Exchange an authorization code for an Evotor access token (client auth: HTTP Basic, as documented)."""
    g.sandbox_service = "evotor_oauth"
    params = request_params()
    with state().connect() as conn:
        bump(conn, "evotor_oauth:token")
    status = faults.delay(state(), "evotor_oauth")
    if status:
        return _error("server_error", "internal error", status)
    client = settings()["CLIENTS"]["evotor"]
    client_id, secret = _client_credentials(params)
    if client_id != client["client_id"] or not hmac.compare_digest(secret or "", client["client_secret"]):
        return _error("invalid_client", "Bad client credentials", 401)
    if params.get("grant_type") != "authorization_code":
        return _error("unsupported_grant_type", "grant_type must be authorization_code")
    with state().connect() as conn, transaction(conn):
        row = conn.execute(
            "SELECT * FROM oauth_codes WHERE code = ? AND provider = 'evotor'", (params.get("code", ""),)
        ).fetchone()
        if row is None or row["used"] or row["expires_at"] < now():
            return _error("invalid_grant", "Invalid authorization code")
        conn.execute("UPDATE oauth_codes SET used = 1 WHERE code = ?", (row["code"],))
        if row["redirect_uri"] != params.get("redirect_uri"):
            return _error("invalid_grant", "Redirect URI mismatch")
        # PKCE (RFC 7636) when the authorization request carried a challenge: the verifier must match.
        if row["code_challenge"] and not hmac.compare_digest(
            _s256(params.get("code_verifier", "")), row["code_challenge"]
        ):
            return _error("invalid_grant", "code_verifier does not match code_challenge")
        access = tokens.mint_evotor(conn, scope=row["scope"], client_id=client_id)
    return jsonify(
        {"access_token": access, "token_type": "bearer", "expires_in": ACCESS_TTL, "scope": row["scope"]}
    )
