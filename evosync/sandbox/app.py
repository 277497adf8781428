"""The sandbox WSGI factory: one Flask app serving Evotor, Evotor OAuth, VK API, VK ID and the admin API."""

from __future__ import annotations

import os
import tempfile

from flask import Flask, g, request

from . import (
    admin,
    admin_data,
    evotor_api,
    evotor_oauth,
    outbox,
    pages,
    people,
    vk_albums,
    vk_api,
    vk_demo,
    vk_market,
    vk_photos,
    vk_users,
    vkid,
    vkid_consent,
)
from .demo import reset
from .runtime import log_request
from .state import State, get_meta, now

# The handler modules register their VK methods on import; listed so the imports are plainly intentional.
_VK_HANDLER_MODULES = (vk_albums, vk_market, vk_photos, vk_users)

DEV_CLIENTS = {
    "evotor": {"client_id": "sandbox-evotor-client", "client_secret": "sandbox-evotor-secret"},
    "vk": {"client_id": "51900001", "client_secret": "sandbox-vk-secret"},
}

DEFAULTS = {
    "STATE_PATH": None,
    "PUBLIC_URL": None,
    "VK_RPS": 3,
    # Arrival-time jitter on loopback: a window slightly under 1 s keeps a client that spaces its own
    # requests by exactly 1/VK_RPS from being punished for scheduler noise.
    "VK_RPS_SLACK": 0.02,
    "VK_UPLOAD_MAX_BYTES": 5 * 1024 * 1024,
    "VKID_CODE_TTL": 600,
    "VKID_REQUIRE_SECRET": False,
    "CATALOG_PRODUCTS": 300,
    # Communities of the chain-store VK user (vk_demo.FLEET_GROUP_IDS); the module's 32 unless set.
    "VK_FLEET": None,
    "SEED": 1,
    "CLIENTS": None,
}

# Path prefix → service name in the request log (admin, pages and pictures are not logged).
_LOGGED = (
    ("/evotor/api", "evotor"),
    ("/evotor/oauth", "evotor_oauth"),
    ("/vk/method", "vk"),
    ("/vkid", "vkid"),
    ("/vk/upload", "upload"),
)


def _settings(overrides: dict | None) -> dict:
    cfg = {**DEFAULTS, **(overrides or {})}
    if not cfg["STATE_PATH"]:
        cfg["STATE_PATH"] = os.path.join(tempfile.gettempdir(), "evosync-sandbox.sqlite3")
    clients = {k: dict(v) for k, v in DEV_CLIENTS.items()}
    for provider, values in (cfg["CLIENTS"] or {}).items():
        clients.setdefault(provider, {}).update({k: v for k, v in values.items() if v})
    cfg["CLIENTS"] = clients
    return cfg


def create_sandbox_app(settings: dict | None = None) -> Flask:
    """Build the sandbox app; a state file without a catalog gets the fresh demo state."""
    cfg = _settings(settings)
    if cfg["VK_FLEET"]:
        vk_demo.set_fleet_size(int(cfg["VK_FLEET"]))
    app = Flask("evosync.sandbox")
    app.config["SANDBOX"] = cfg
    app.config["JSON_AS_ASCII"] = False
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    state = State(cfg["STATE_PATH"])
    app.extensions["sandbox_state"] = state
    with state.connect() as conn:
        if get_meta(conn, "seed") is None:
            reset(conn, int(cfg["CATALOG_PRODUCTS"]), int(cfg["SEED"]), int(cfg["VK_RPS"]))

    app.register_blueprint(evotor_api.bp, url_prefix="/evotor/api")
    app.register_blueprint(evotor_api.files_bp)
    app.register_blueprint(evotor_oauth.bp, url_prefix="/evotor/oauth")
    app.register_blueprint(vk_api.bp, url_prefix="/vk/method")
    app.register_blueprint(vk_photos.bp)
    app.register_blueprint(vkid.bp, url_prefix="/vkid")
    app.register_blueprint(vkid_consent.bp, url_prefix="/vkid")
    app.register_blueprint(admin.bp, url_prefix="/_admin")
    app.register_blueprint(admin_data.bp, url_prefix="/_admin")
    app.register_blueprint(pages.bp)
    app.register_blueprint(outbox.bp)
    app.register_blueprint(people.bp)

    @app.before_request
    def _stamp():
        g.sandbox_started = now()

    @app.after_request
    def _log(response):
        service = next((name for prefix, name in _LOGGED if request.path.startswith(prefix)), None)
        if service:
            log_request(service, response.status_code)
        return response

    return app
