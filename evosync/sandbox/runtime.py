"""Accessors for the running sandbox app's state and settings, plus the request log every blueprint feeds."""

from __future__ import annotations

import hashlib
import json
from urllib.parse import urlencode, urlsplit, urlunsplit

from flask import current_app, g, request

from .state import State, bump, now

# Parameters whose values are secrets: never written to the request log.
SECRET_PARAMS = {
    "access_token",
    "refresh_token",
    "client_secret",
    "code_verifier",
    "code",
    "password",
    "id_token",
}


def state() -> State:
    """Return the state store of the current sandbox app."""
    return current_app.extensions["sandbox_state"]


def settings() -> dict:
    """Return the sandbox settings (STATE_PATH, PUBLIC_URL, VK_RPS, …)."""
    return current_app.config["SANDBOX"]


def public_url() -> str:
    """Return the base URL clients reach the sandbox at (configured, else taken from the request)."""
    return (settings().get("PUBLIC_URL") or request.host_url).rstrip("/")


def token_key(token: str) -> str:
    """Return a short non-reversible key for a token, used in logs and counters instead of the token."""
    return hashlib.sha256(token.encode()).hexdigest()[:16]


def redacted(params: dict) -> dict:
    """Return request parameters with every secret value replaced (the key is kept: tests look for it)."""
    out = {}
    for key, value in params.items():
        if key in SECRET_PARAMS:
            out[key] = "***"
        elif isinstance(value, str) and len(value) > 4000:
            out[key] = value[:4000] + "…"
        else:
            out[key] = value
    return out


def request_params() -> dict:
    """Merge query and form parameters the way VK and the OAuth servers read them."""
    params = request.args.to_dict()
    params.update(request.form.to_dict())
    return params


def auth_kind() -> str:
    """Describe how the request authenticated (bearer, basic, x-authorization or none), without the value."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return "bearer"
    if header.lower().startswith("basic "):
        return "basic"
    if request.headers.get("X-Authorization"):
        return "x-authorization"
    return "none"


def log_request(service: str, status: int) -> None:
    """Append the current request to the request log and bump its service counter."""
    params = redacted(request_params())
    if request.files:
        params["_files"] = {k: f.filename for k, f in request.files.items()}
    token = getattr(g, "sandbox_token", None)
    with state().connect() as conn:
        conn.execute(
            "INSERT INTO request_log (ts, service, http_method, path, method, params, token_in_query, auth,"
            " token_key, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                getattr(g, "sandbox_started", now()),
                service,
                request.method,
                request.path,
                getattr(g, "sandbox_method", None),
                json.dumps(params, ensure_ascii=False),
                int("access_token" in request.args),
                auth_kind(),
                token_key(token) if token else None,
                status,
            ),
        )
        bump(conn, f"http:{service}")


def with_query(uri: str, values: dict) -> str:
    """Append query parameters to a URI that may already have some (OAuth redirects)."""
    parts = urlsplit(uri)
    query = "&".join(filter(None, [parts.query, urlencode(values)]))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
