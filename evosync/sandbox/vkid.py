"""Emulated VK ID OAuth 2.1 token side: code exchange with PKCE S256 and device_id, refresh with rotation,
user_info and revoke. The consent page is in ``vkid_consent``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re

from flask import Blueprint, g, jsonify, request

from . import faults, tokens, vk_demo
from .runtime import public_url, request_params, settings, state
from .state import bump, now, transaction

bp = Blueprint("sandbox_vkid", __name__)


def client_ok(client_id: str | None) -> bool:
    """Tell whether ``client_id`` is the sandbox's VK ID app."""
    return bool(client_id) and client_id == settings()["CLIENTS"]["vk"]["client_id"]


_VERIFIER = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")


def _oauth_error(error: str, description: str, status: int = 400):
    resp = jsonify({"error": error, "error_description": description})
    resp.status_code = status
    return resp


def _id_token(user_id: int, client_id: str) -> str:
    def b64(obj) -> str:
        """Encode one JWT segment."""
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
    if not client_ok(params["client_id"]):
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
