"""Canary tokens appear nowhere but their encrypted columns: not in the DB dump, logs, pages or URLs."""

from __future__ import annotations

import json
import logging

from sqlalchemy import inspect, select, text

from evosync.connections.models import Connection, OAuthState
from evosync.connections.tokens import access_token
from evosync.connections.vault_access import vault
from tests.connections.conftest import consent


def _dump(db) -> str:
    """Every row of every table as text (works on both backends)."""
    chunks = []
    for table in inspect(db.engine).get_table_names():
        for row in db.session.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608 - names from the schema
            chunks.append(repr(tuple(row)))
    return "\n".join(chunks)


def test_tokens_and_verifier_never_leak(app, auth_client, db, sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("", "authlib", "urllib3", "requests", "evosync", "werkzeug"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    bodies = []

    evotor_token = sandbox.mint_evotor_token()
    bodies.append(auth_client.post("/evotor/token", data={"token": evotor_token}).get_data(as_text=True))

    start = auth_client.get("/vk/connect")
    state_row = db.session.scalars(select(OAuthState)).one()
    verifier = json.loads(vault().decrypt(state_row.value_enc))["data"]["code_verifier"]
    callback = auth_client.get(consent(start.headers["Location"]))
    bodies.append(callback.get_data(as_text=True))
    bodies.append(
        auth_client.post("/vk/community", data={"group_id": str(sandbox.vk_group_id)}).get_data(as_text=True)
    )
    for path in (
        "/connections",
        "/connections/vk/card",
        "/connections/evotor/card",
        "/vk/community",
        "/sync",
        "/catalog",
        "/catalog/export.csv",
    ):
        bodies.append(auth_client.get(path).get_data(as_text=True))

    vk = db.session.scalar(select(Connection).where(Connection.provider == "vk"))
    vk_access = access_token(vk)
    vk_refresh = vault().decrypt(vk.refresh_token_enc)
    refreshed = access_token(vk, force_refresh=True)  # exercise the refresh path too
    bodies.append(auth_client.post("/connections/vk/check").get_data(as_text=True))
    canaries = {
        "evotor": evotor_token,
        "vk_access": vk_access,
        "vk_refresh": vk_refresh,
        "verifier": verifier,
        "vk_refreshed": refreshed,
    }

    dump = _dump(db)
    logs = "\n".join(record.getMessage() + repr(record.args) for record in caplog.records)
    pages = "\n".join(bodies)
    for name, secret in canaries.items():
        assert secret not in dump, f"{name} in the database dump"
        assert secret not in logs, f"{name} in the logs"
        assert secret not in pages, f"{name} in a page"
    assert all(not entry["token_in_query"] for entry in sandbox.requests()), "a token travelled in a URL"
