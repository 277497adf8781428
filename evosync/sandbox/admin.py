"""Admin JSON endpoints under ``/_admin/``: reset, faults, counters, request log, catalog and token tools.

Loopback-only by construction (the sandbox binds 127.0.0.1); never expose a sandbox to a network.
"""

from __future__ import annotations

import json
from collections import defaultdict

from flask import Blueprint, current_app, jsonify, request

from . import catalog, demo, faults, tokens, vk_demo
from .runtime import settings, state

bp = Blueprint("sandbox_admin", __name__)


def _body() -> dict:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else request.values.to_dict()


def _bad(message: str, status: int = 400):
    resp = jsonify({"error": message})
    resp.status_code = status
    return resp


@bp.post("/reset")
def reset():
    """Wipe the state: fresh catalog (``products``, ``seed``), ``vk_rps``, no VK items, faults or counts."""
    body = _body()
    products = int(body.get("products") or settings()["CATALOG_PRODUCTS"])
    seed = int(body.get("seed") or settings()["SEED"])
    vk_rps = int(body.get("vk_rps") or settings()["VK_RPS"])
    with state().connect() as conn:
        info = demo.reset(conn, products, seed, vk_rps)
    _clear_rate_windows()
    return jsonify(info)


def _clear_rate_windows() -> None:
    limiter = current_app.extensions.get("sandbox_rate")
    if limiter:
        with limiter[0]:
            limiter[1].clear()


@bp.get("/info")
def info():
    """Return the catalog size, seed, demo credentials and the demo ids."""
    with state().connect() as conn:
        data = demo.info(conn)
    data.update(
        {
            "stores": [s["id"] for s in catalog.STORES],
            "vk_user_id": vk_demo.DEMO_USER_ID,
            "vk_other_user_id": vk_demo.OTHER_USER_ID,
            "vk_group_id": vk_demo.SHOP_GROUP_ID,
            "vk_market_off_group_id": vk_demo.MARKET_OFF_GROUP_ID,
            "vk_member_group_id": vk_demo.MEMBER_GROUP_ID,
            "clients": settings()["CLIENTS"],
        }
    )
    return jsonify(data)


@bp.route("/faults", methods=["GET", "POST", "DELETE"])
def fault_list():
    """GET lists faults; POST adds one (``{"kind": …}``, see ``faults.KINDS``); DELETE clears all."""
    with state().connect() as conn:
        if request.method == "POST":
            try:
                fault_id = faults.add(conn, _body())
            except faults.FaultError as exc:
                return _bad(str(exc))
            return jsonify({"id": fault_id})
        if request.method == "DELETE":
            faults.clear(conn)
            _clear_rate_windows()
            return jsonify({"ok": True})
        return jsonify({"faults": faults.listing(conn), "kinds": faults.KINDS})


@bp.delete("/faults/<int:fault_id>")
def fault_delete(fault_id: int):
    """Clear one fault."""
    with state().connect() as conn:
        faults.clear(conn, fault_id)
    return jsonify({"ok": True})


@bp.post("/revoke")
def revoke():
    """Revoke a ``token``, or all tokens of ``user_id`` (optionally one ``kind``: evotor, vk_access, vk_refresh)."""
    body = _body()
    with state().connect() as conn:
        n = tokens.revoke(conn, body.get("token"), body.get("user_id"), body.get("kind"))
    return jsonify({"revoked": n})


@bp.post("/expire")
def expire():
    """Expire VK access tokens now (one ``token`` or all of ``user_id``); refresh tokens keep working."""
    body = _body()
    with state().connect() as conn:
        n = tokens.expire(conn, body.get("token"), body.get("user_id"))
    return jsonify({"expired": n})


@bp.get("/counters")
def counters():
    """Return per-method call counts, token endpoint counts and per-token VK request timestamps."""
    with state().connect() as conn:
        rows = conn.execute("SELECT key, n FROM counters").fetchall()
        stamps = conn.execute(
            "SELECT token_key, ts FROM request_log WHERE service = 'vk' AND token_key IS NOT NULL ORDER BY id"
        ).fetchall()
    all_counts = {r["key"]: r["n"] for r in rows}
    methods = {k[3:]: n for k, n in all_counts.items() if k.startswith("vk:")}
    token_endpoint = {k[len("vkid:") :]: n for k, n in all_counts.items() if k.startswith("vkid:")}
    per_token = defaultdict(list)
    for r in stamps:
        per_token[r["token_key"]].append(r["ts"])
    return jsonify(
        {
            "methods": methods,
            "token_endpoint": token_endpoint,
            "all": all_counts,
            "vk_token_timestamps": per_token,
        }
    )


@bp.route("/requests", methods=["GET", "DELETE"])
def requests_log():
    """GET the request log (``since_id``, ``service``, ``limit``); DELETE empties it and the counters."""
    with state().connect() as conn:
        if request.method == "DELETE":
            conn.execute("DELETE FROM request_log")
            conn.execute("DELETE FROM counters")
            return jsonify({"ok": True})
        sql, args = "SELECT * FROM request_log WHERE id > ?", [request.args.get("since_id", 0, type=int)]
        if request.args.get("service"):
            sql += " AND service = ?"
            args.append(request.args["service"])
        sql += " ORDER BY id LIMIT ?"
        args.append(request.args.get("limit", 10000, type=int))
        rows = conn.execute(sql, args).fetchall()
    out = [
        {
            "id": r["id"],
            "ts": r["ts"],
            "service": r["service"],
            "http_method": r["http_method"],
            "path": r["path"],
            "method": r["method"],
            "params": json.loads(r["params"]),
            "token_in_query": bool(r["token_in_query"]),
            "auth": r["auth"],
            "token_key": r["token_key"],
            "status": r["status"],
        }
        for r in rows
    ]
    return jsonify({"requests": out})
