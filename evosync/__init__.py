"""EvoSync: keeps a VK community's Market equal to a chosen part of an Evotor catalog."""

from __future__ import annotations

import logging
import os
from typing import Any

import click
from flask import Flask

__version__ = "1.8.0"


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the Flask app: config, extensions, blueprints, commands, error handlers."""
    app = Flask(__name__, instance_relative_config=True)
    from evosync.config import check_production_config, load_config

    load_config(app, overrides)
    app.config["APP_VERSION"] = __version__
    os.makedirs(app.instance_path, exist_ok=True)
    # Serving (gunicorn through wsgi.py) must refuse bad secrets; `flask db upgrade` and the other
    # CLI commands run under click and need no SECRET_KEY, so they are not blocked by it.
    if click.get_current_context(silent=True) is None:
        check_production_config(app)
    if app.config.get("SECRET_KEY") is None:
        # Only reachable from the CLI: sessions are never signed with this value.
        app.config["SECRET_KEY"] = os.urandom(32).hex()
    _quiet_secret_loggers()

    if app.config["PROXY_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    _init_extensions(app)
    from evosync.routing import install_converters

    install_converters(app)
    from evosync.db import as_utc

    app.jinja_env.filters["utc"] = as_utc
    _register_blueprints(app)

    from evosync import errors, headers

    errors.register(app)
    headers.register(app)
    return app


def _init_extensions(app: Flask) -> None:
    from evosync.auth.loader import init_login
    from evosync.connections.oauth import init_oauth
    from evosync.extensions import csrf, db, limiter, migrate
    from evosync.ratelimit.service import init_app as init_vk_rate_limit
    from evosync.tasks.queue import init_app as init_tasks

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        render_as_batch=True,
        compare_type=True,
        directory=os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations"),
    )
    csrf.init_app(app)
    limiter.init_app(app)
    init_oauth(app)
    init_login(app)
    init_tasks(app)
    init_vk_rate_limit(app)
    # Import the models so metadata (and `flask db check`) sees every table.
    from evosync import models  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    from evosync.auth import views_account  # noqa: F401 - registers /account
    from evosync.auth.cli import bp as users_cli
    from evosync.auth.views import bp as auth_bp
    from evosync.catalog.cli import bp as catalog_cli
    from evosync.catalog.views import bp as catalog_bp
    from evosync.connections import views_vk  # noqa: F401 - registers the VK routes
    from evosync.connections.cli import connections_cli, tokens_cli
    from evosync.connections.views import bp as connections_bp
    from evosync.main.views import bp as main_bp
    from evosync.sync.cli_config import bp as sync_config_cli
    from evosync.sync.cli_run import bp as sync_run_cli
    from evosync.sync.views import bp as sync_bp
    from evosync.sync.views_runs import bp as sync_runs_bp
    from evosync.tasks.cli import bp as tasks_cli

    for bp in (
        main_bp,
        auth_bp,
        users_cli,
        connections_bp,
        connections_cli,
        tokens_cli,
        catalog_bp,
        catalog_cli,
        sync_bp,
        sync_config_cli,
        sync_run_cli,
        sync_runs_bp,
        tasks_cli,
    ):
        app.register_blueprint(bp)


def _quiet_secret_loggers() -> None:
    # Authlib logs the PKCE code_verifier and token responses at DEBUG; keep it above that.
    for name in ("authlib", "authlib.integrations"):
        logging.getLogger(name).setLevel(logging.INFO)
