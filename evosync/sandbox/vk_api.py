"""Emulated VK API endpoint ``/vk/method/<name>``: envelope, token, version, rate limit, faults, dispatch."""

from __future__ import annotations

import json
import threading
import time
from collections import deque

from flask import Blueprint, Response, current_app, g, request

from . import faults, vk_execute
from .runtime import public_url, request_params, settings, state, token_key
from .state import bump, get_meta
from .tokens import lookup
from .vk_errors import VkError
from .vk_registry import METHODS, Caller
from .vk_response_check import SchemaViolation, check_answer
from .vk_validate import validate

bp = Blueprint("sandbox_vk", __name__)

# Methods that need the `market` right on the token (vk-api.md §0.3: user token with market scope).
NEEDS_MARKET = ("market.",)
NEW_UPLOAD_METHODS = (
    "market.getProductPhotoUploadServer",
    "market.saveProductPhoto",
    "market.saveProductPhotoBulk",
)


def _json(payload) -> Response:
    return Response(json.dumps(payload, ensure_ascii=False), content_type="application/json; charset=utf-8")


def _echo(name: str, params: dict) -> list[dict]:
    # VK echoes the request parameters in errors, never the token.
    echo = [{"key": "method", "value": name}, {"key": "oauth", "value": "1"}]
    for key, value in params.items():
        if key != "access_token":
            echo.append({"key": key, "value": value if isinstance(value, str) else json.dumps(value)})
    return echo


def _error(err: VkError, name: str, params: dict) -> Response:
    body = {"error_code": err.code, "error_msg": err.msg, "request_params": _echo(name, params), **err.extra}
    return _json({"error": body})


def _limiter():
    ext = current_app.extensions
    if "sandbox_rate" not in ext:
        ext["sandbox_rate"] = (threading.Lock(), {})
    return ext["sandbox_rate"]


def _over_rate(key: str, rps: int) -> bool:
    """Record one request for a token and tell whether it makes more than ``rps`` in the last second."""
    lock, hits = _limiter()
    window = 1.0 - float(settings().get("VK_RPS_SLACK", 0.0))
    t = time.monotonic()
    with lock:
        q = hits.setdefault(key, deque())
        while q and q[0] <= t - window:
            q.popleft()
        q.append(t)
        return len(q) > rps


def _vk_fault(conn, name: str, params: dict) -> VkError | None:
    fault = faults.take(conn, "vk_error", "vk", name)
    if fault is None:
        return None
    code = int(fault["code"])
    if code == 14:
        if params.get("captcha_sid") and params.get("captcha_key"):
            return None
        sid = str(int(time.time() * 1000))
        return VkError(14, captcha_sid=sid, captcha_img=f"{public_url()}/vk/static/captcha.jpg?sid={sid}")
    return VkError(code, fault.get("message"))


def call(caller: Caller, name: str, params: dict) -> object:
    """Run one VK method for a caller (used directly and for each call inside execute)."""
    conn = caller.conn
    bump(conn, f"vk:{name}")
    fault = _vk_fault(conn, name, params)
    if fault:
        raise fault
    if name in NEW_UPLOAD_METHODS and faults.exists(conn, "upload_methods_unknown"):
        raise VkError(3)
    handler = METHODS.get(name)
    if handler is None:
        raise VkError(3)
    if name.startswith(NEEDS_MARKET) and "market" not in caller.scope:
        raise VkError(
            15, "Access denied: no access to call this method. It cannot be called with current scopes"
        )
    checked = validate(name, params)
    result = handler(caller, checked)
    check_answer(name, checked, result)
    return result


def _token(params: dict) -> str | None:
    header = request.headers.get("Authorization", "")
    return params.pop("access_token", None) or (
        header[7:].strip() if header.lower().startswith("bearer ") else None
    )


def _answer(caller: Caller, conn, name: str, params: dict) -> Response:
    """Run the method (or an ``execute`` script) for a known caller, in VK's envelope."""
    try:
        if name == "execute":
            bump(conn, "vk:execute")
            fault = _vk_fault(conn, name, params)
            if fault:
                raise fault
            code = validate("execute", params)["code"]
            return _json(vk_execute.run(code, lambda m, p: call(caller, m, p)))
        return _json({"response": call(caller, name, params)})
    except VkError as err:
        return _error(err, name, params)
    except SchemaViolation as exc:
        # A sandbox bug, not a VK answer: fail loudly so no test passes on a shape VK never sends.
        current_app.logger.error("sandbox answer violates the VK schema: %s", exc)
        return Response(
            f"sandbox answer violates the VK schema: {exc}", status=500, content_type="text/plain"
        )


@bp.route("/<path:name>", methods=["GET", "POST"])
def dispatch(name: str):
    """Answer one VK API request in VK's envelope."""
    g.sandbox_service, g.sandbox_method = "vk", name
    params = request_params()
    token = _token(params)
    status = faults.delay(state(), "vk", name)
    if status:
        return Response(
            "<html><body>Internal Server Error</body></html>", status=status, content_type="text/html"
        )
    if not params.get("v"):
        return _error(VkError(8), name, params)
    if not token:
        return _error(VkError(5, "User authorization failed: no access_token passed."), name, params)
    g.sandbox_token = token
    with state().connect() as conn:
        bump(conn, "vk_requests")
        if _over_rate(token_key(token), int(get_meta(conn, "vk_rps", settings()["VK_RPS"]))):
            bump(conn, "vk_rate_limited")
            return _error(VkError(6), name, params)
        row = lookup(conn, token, "vk_access")
        if row is None:
            return _error(VkError(5), name, params)
        scope = frozenset(row["scope"].replace(",", " ").split())
        return _answer(Caller(int(row["user_id"]), scope, public_url(), conn), conn, name, params)
