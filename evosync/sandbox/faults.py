"""Switchable faults: stored in the state file so the CLI, tests and the server all see the same set.

A fault is a row ``{kind, spec, remaining}``. ``remaining`` (from ``count``) makes it fire only for the next N
matching requests; ``probability`` makes it fire at random; neither means "every matching request until
cleared".
"""

from __future__ import annotations

import json
import random
import sqlite3
import time

from .state import now, transaction

KINDS = {
    "vk_error": "VK API answers error `code` (9 flood, 14 captcha, 29 rate limit, 10, 5 …), optionally "
    "only for `methods`",
    "http_error": "answer HTTP `status` (default 500) on `service` (vk, vkid, evotor, evotor_oauth, upload, any)",
    "slow": "delay responses of `service` by `seconds`",
    "hang": "never answer `service` until the fault is cleared (or `seconds`, default 600)",
    "market_off": "Market switched off in community `group_id` (default: the demo shop)",
    "evotor_error": "Evotor API answers HTTP `status` (401, 403, 429 with `reset` seconds, 5xx)",
    "upload_methods_unknown": "market.getProductPhotoUploadServer/saveProductPhoto(Bulk) answer error 3",
    "upload_url_expired": "upload URLs issued before the fault was set are refused (ERR_UPLOAD_URL_EXPIRED)",
}

SERVICES = {"vk", "vkid", "evotor", "evotor_oauth", "upload", "any"}


class FaultError(ValueError):
    """Raised for a fault description the sandbox does not understand."""


def add(conn: sqlite3.Connection, spec: dict) -> int:
    """Validate and store a fault; return its id."""
    kind = spec.get("kind")
    if kind not in KINDS:
        raise FaultError(f"unknown fault kind {kind!r}; known: {sorted(KINDS)}")
    if spec.get("service", "any") not in SERVICES:
        raise FaultError(f"unknown service {spec.get('service')!r}")
    if kind == "vk_error" and not isinstance(spec.get("code"), int):
        raise FaultError("vk_error needs an integer `code`")
    count = spec.get("count")
    if count is not None and (not isinstance(count, int) or count < 1):
        raise FaultError("`count` must be a positive integer")
    cur = conn.execute(
        "INSERT INTO faults (kind, spec, remaining, created_at) VALUES (?, ?, ?, ?)",
        (kind, json.dumps(spec), count, now()),
    )
    return int(cur.lastrowid)


def clear(conn: sqlite3.Connection, fault_id: int | None = None) -> None:
    """Remove one fault, or all of them."""
    if fault_id is None:
        conn.execute("DELETE FROM faults")
    else:
        conn.execute("DELETE FROM faults WHERE id = ?", (fault_id,))


def listing(conn: sqlite3.Connection) -> list[dict]:
    """Return every active fault with its id and remaining count."""
    rows = conn.execute("SELECT id, spec, remaining FROM faults ORDER BY id").fetchall()
    return [{"id": r["id"], **json.loads(r["spec"]), "remaining": r["remaining"]} for r in rows]


def _matches(spec: dict, service: str | None, method: str | None) -> bool:
    if service is not None and spec.get("service", "any") not in ("any", service):
        return False
    methods = spec.get("methods")
    return not (methods and method not in methods)


def take(
    conn: sqlite3.Connection, kind: str, service: str | None = None, method: str | None = None
) -> dict | None:
    """Return the first matching fault of ``kind`` that fires now, consuming one of its ``count``."""
    rows = conn.execute(
        "SELECT id, spec, remaining FROM faults WHERE kind = ? ORDER BY id", (kind,)
    ).fetchall()
    for row in rows:
        spec = json.loads(row["spec"])
        if not _matches(spec, service, method):
            continue
        probability = spec.get("probability")
        if probability is not None and random.random() >= float(probability):
            continue
        if row["remaining"] is None:
            return spec
        with transaction(conn):
            cur = conn.execute(
                "UPDATE faults SET remaining = remaining - 1 WHERE id = ? AND remaining > 0", (row["id"],)
            )
            if cur.rowcount:
                conn.execute("DELETE FROM faults WHERE id = ? AND remaining <= 0", (row["id"],))
                return spec
    return None


def specs(conn: sqlite3.Connection, kind: str) -> list[dict]:
    """Return the specs of every active fault of ``kind`` (without consuming them)."""
    return [
        json.loads(row["spec"]) for row in conn.execute("SELECT spec FROM faults WHERE kind = ?", (kind,))
    ]


def exists(conn: sqlite3.Connection, kind: str) -> bool:
    """Tell whether any fault of ``kind`` is active (without consuming it)."""
    return conn.execute("SELECT 1 FROM faults WHERE kind = ?", (kind,)).fetchone() is not None


def delay(state, service: str, method: str | None = None) -> int | None:
    """Apply slow/hang faults and return an HTTP status if an http_error fault fires for this request."""
    with state.connect() as conn:
        slow = take(conn, "slow", service, method)
        hang = take(conn, "hang", service, method)
        failure = take(conn, "http_error", service, method)
    if slow:
        time.sleep(float(slow.get("seconds", 1)))
    if hang:
        _hang(state, float(hang.get("seconds", 600)))
    return int(failure.get("status", 500)) if failure else None


def _hang(state, limit: float) -> None:
    # Poll rather than sleep once, so clearing the fault (every test does) frees the server thread quickly.
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        time.sleep(0.1)
        with state.connect() as conn:
            if not conn.execute("SELECT 1 FROM faults WHERE kind = 'hang'").fetchone():
                return
