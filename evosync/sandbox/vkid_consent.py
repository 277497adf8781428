"""Emulated VK ID consent page (``/vkid/authorize``): a person clicks «Разрешить» or «Отмена»."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Blueprint, g, redirect, request

from . import vk_demo
from .layout import page
from .runtime import request_params, settings, state, with_query
from .state import now
from .vkid import client_ok

bp = Blueprint("sandbox_vkid_consent", __name__)

CODE_TTL = 600
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


def _redirect_ok(uri: str | None) -> bool:
    allowed = settings()["CLIENTS"]["vk"].get("redirect_uris")
    if not uri or urlsplit(uri).scheme not in ("http", "https"):
        return False
    return not allowed or uri in allowed


def _request_problem(params: dict) -> str | None:
    """What is wrong with an authorize request's OAuth parameters (English, as VK ID answers), or None."""
    missing = [k for k in AUTHORIZE_PARAMS if not params.get(k)]
    if missing:
        return "missing parameters: " + ", ".join(missing)
    if params["response_type"] != "code":
        return "response_type must be code"
    if params["code_challenge_method"] != "S256":
        return "code_challenge_method must be S256"
    return None


def _consent_page(params: dict):
    shown = {k: params[k] for k in AUTHORIZE_PARAMS}
    return page(
        "Вход через VK ID",
        CONSENT,
        client_id=params["client_id"],
        params=shown,
        scopes=params["scope"].replace(",", " ").split(),
        users=vk_demo.USERS,
    )


def _issue_code(params: dict, redirect_uri: str) -> dict:
    """Store a one-time code for the chosen demo user; the query the redirect back carries."""
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
    return {
        "code": code,
        "state": params["state"],
        "device_id": device_id,
        "type": "code_v2",
        "expires_in": CODE_TTL,
    }


@bp.route("/authorize", methods=["GET", "POST"])
def authorize():
    """Show the consent page; on «Разрешить» redirect back with code, state and device_id."""
    g.sandbox_service = "vkid"
    params = request_params()
    if not client_ok(params.get("client_id")):
        return page("Ошибка", ERROR_PAGE, 400, message="Неизвестное приложение (client_id).")
    redirect_uri = params.get("redirect_uri")
    if not _redirect_ok(redirect_uri):
        return page(
            "Ошибка", ERROR_PAGE, 400, message="Адрес возврата (redirect_uri) не разрешён для приложения."
        )
    problem = _request_problem(params)
    if problem:
        error = {"error": "invalid_request", "error_description": problem, "state": params.get("state", "")}
        return redirect(with_query(redirect_uri, error))
    if request.method == "GET":
        return _consent_page(params)
    if params.get("decision") != "allow":
        denied = {
            "error": "access_denied",
            "error_description": "User denied access",
            "state": params["state"],
        }
        return redirect(with_query(redirect_uri, denied))
    return redirect(with_query(redirect_uri, _issue_code(params, redirect_uri)))
