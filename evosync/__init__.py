"""EvoSync: keeps a VK community's Market equal to a chosen part of an Evotor catalog."""

from __future__ import annotations

import logging
import os
from typing import Any

import click
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from evosync import errors, headers
from evosync import models as _models  # noqa: F401 - every table on the metadata for Alembic and `db check`
from evosync.admin.views import bp as admin_bp
from evosync.auth.cli import bp as users_cli
from evosync.auth.loader import init_login
from evosync.auth.views import bp as auth_bp
from evosync.auth.views_account import bp as account_bp
from evosync.auth.views_confirm import bp as confirm_bp
from evosync.auth.views_password import bp as password_bp
from evosync.catalog.cli import bp as catalog_cli
from evosync.catalog.views import bp as catalog_bp
from evosync.config import check_production_config, load_config
from evosync.connections.cli import connections_cli, tokens_cli
from evosync.connections.oauth import init_oauth
from evosync.connections.views import bp as connections_bp
from evosync.db import as_utc
from evosync.extensions import csrf, db, limiter, mail, migrate
from evosync.goods.views import bp as goods_bp
from evosync.main.views import bp as main_bp
from evosync.ratelimit.service import init_app as init_vk_rate_limit
from evosync.routing import install_converters
from evosync.sync.config.cli import bp as sync_config_cli
from evosync.sync.config.views import bp as sync_bp
from evosync.sync.runs.cli import bp as sync_run_cli
from evosync.sync.runs.views import bp as sync_runs_bp
from evosync.tasks.cli import bp as tasks_cli
from evosync.tasks.queue import init_app as init_tasks
from evosync.thumbs.views import bp as thumbs_bp
from evosync.ui import formats
from evosync.ui.views import bp as ui_bp

__version__ = "1.8.0"

BLUEPRINTS = (
    main_bp,
    auth_bp,
    account_bp,
    confirm_bp,
    password_bp,
    admin_bp,
    users_cli,
    connections_bp,
    connections_cli,
    tokens_cli,
    catalog_bp,
    catalog_cli,
    thumbs_bp,
    goods_bp,
    sync_bp,
    sync_config_cli,
    sync_run_cli,
    sync_runs_bp,
    tasks_cli,
    ui_bp,
)
MIGRATIONS = os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations")


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the Flask app: config, extensions, blueprints, commands, error handlers."""
    app = Flask(__name__, instance_relative_config=True)
    load_config(app, overrides)
    app.config["APP_VERSION"] = __version__
    os.makedirs(app.instance_path, exist_ok=True)
    # Serving (gunicorn through wsgi.py, or `flask run`) must refuse bad secrets; `flask db upgrade` and the
    # other CLI commands need no SECRET_KEY, so they are not blocked by it.
    if _serving():
        check_production_config(app)
    if app.config.get("SECRET_KEY") is None:
        # Only reachable from the CLI: sessions are never signed with this value.
        app.config["SECRET_KEY"] = os.urandom(32).hex()
    _quiet_secret_loggers()
    if app.config["PROXY_HOPS"]:
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    _init_extensions(app)
    install_converters(app)
    app.jinja_env.filters["utc"] = as_utc
    formats.register(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    errors.register(app)
    headers.register(app)
    return app


def _serving() -> bool:
    """True outside the CLI (a WSGI server imported the app) and under `flask run`."""
    ctx = click.get_current_context(silent=True)
    return ctx is None or ctx.info_name == "run"


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True, directory=MIGRATIONS)
    csrf.init_app(app)
    limiter.init_app(app)
    mail.init_app(app)
    init_oauth(app)
    init_login(app)
    init_tasks(app)
    init_vk_rate_limit(app)


def _quiet_secret_loggers() -> None:
    # Authlib logs the PKCE code_verifier and token responses at DEBUG; keep it above that.
    for name in ("authlib", "authlib.integrations"):
        logging.getLogger(name).setLevel(logging.INFO)
