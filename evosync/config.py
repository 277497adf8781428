"""Configuration: defaults in code → instance/config.py → EVOSYNC_* environment → overrides."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from flask import Flask

from evosync.sandbox.urls import SANDBOX_DEFAULT_URL, provider_urls

DEV_SECRET_KEY = "dev-only-insecure-secret-key"  # noqa: S105 - a marker that production refuses

DEFAULTS: dict[str, Any] = {
    # "production" unless told otherwise: a forgotten setting must fail closed, not open.
    "ENV": "production",
    "SECRET_KEY": None,
    "DATABASE_URL": None,
    "TOKEN_KEYS": None,
    "EVOTOR_API_URL": "https://api.evotor.ru",
    "EVOTOR_AUTHORIZE_URL": "https://oauth.evotor.ru/oauth/authorize",
    "EVOTOR_TOKEN_URL": "https://oauth.evotor.ru/oauth/token",
    "EVOTOR_CLIENT_ID": None,
    "EVOTOR_CLIENT_SECRET": None,
    "VK_API_URL": "https://api.vk.com/method",
    "VK_API_VERSION": "5.199",
    "VK_AUTHORIZE_URL": "https://id.vk.com/authorize",
    "VK_TOKEN_URL": "https://id.vk.com/oauth2/auth",
    "VK_USERINFO_URL": "https://id.vk.com/oauth2/user_info",
    "VK_REVOKE_URL": "https://id.vk.com/oauth2/revoke",
    "VK_CLIENT_ID": None,
    "VK_CLIENT_SECRET": None,
    "VK_SCOPE": "market photos groups offline",
    "VK_RPS": 3,
    # Seconds added to every VK request slot's window, against network jitter (see evosync/ratelimit/).
    "VK_RATE_MARGIN": 0.1,
    # The per-token limit lives in the app database, shared by every process and host.
    "VK_SHARED_RATE_LIMIT": True,
    "VK_DEFAULT_CATEGORY_ID": None,
    # Number of trusted reverse proxies in front of the app (nginx = 1); 0 trusts no X-Forwarded-* header.
    "PROXY_HOPS": 0,
    "SANDBOX": False,
    # Task queue storage: None = a SQLite file in instance/ (separate from the app database).
    "TASKS_URL": None,
    # The workers' schedule: minutes between connection checks and between catalog refreshes (docs/tasks.md).
    "HEALTH_CHECK_MINUTES": 60,
    "CATALOG_REFRESH_MINUTES": 60,
    "SANDBOX_URL": SANDBOX_DEFAULT_URL,
    # Sessions: server-side session rows; the cookie only names one (see auth/sessions.py).
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": True,
    "SESSION_IDLE_MINUTES": 30,
    "SESSION_MAX_HOURS": 12,
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
    "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
    # Flask-WTF: the token is bound to the server-side session, which has its own idle and absolute limits;
    # a separate one-hour token age would silently break HTMX buttons on a page left open for an hour.
    "WTF_CSRF_TIME_LIMIT": None,
    # Flask-Limiter: memory:// is per process; production sets a shared storage URI.
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_HEADERS_ENABLED": True,
    "RATELIMIT_STRATEGY": "moving-window",
    "LOGIN_LIMIT_PER_CLIENT": "30 per 15 minutes",
    "LOGIN_LIMIT_PER_ACCOUNT": "10 per 15 minutes",
    "REGISTER_LIMIT_PER_CLIENT": "20 per hour",
    "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
    "SQLALCHEMY_TRACK_MODIFICATIONS": False,
}

BOOL_KEYS = ("SANDBOX", "VK_SHARED_RATE_LIMIT", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY")
INT_KEYS = (
    "VK_RPS",
    "SESSION_IDLE_MINUTES",
    "SESSION_MAX_HOURS",
    "WTF_CSRF_TIME_LIMIT",
    "MAX_CONTENT_LENGTH",
)


class ConfigError(RuntimeError):
    """Raised when the app is started with a configuration it must refuse."""


def load_config(app: Flask, overrides: dict[str, Any] | None = None) -> None:
    """Fill ``app.config`` in precedence order and derive the computed keys."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("EVOSYNC")
    if overrides:
        app.config.from_mapping(overrides)
    _coerce_types(app.config)
    if app.config["SANDBOX"]:
        _point_at_sandbox(app.config)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_uri(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        engine = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        engine.setdefault("pool_pre_ping", True)
        # Timestamps come back in UTC whatever the server's or role's TimeZone setting says.
        engine.setdefault("connect_args", {}).setdefault("options", "-c timezone=UTC")
    app.config["TESTING"] = app.config.get("TESTING") or app.config["ENV"] == "testing"
    if app.config.get("SESSION_COOKIE_NAME", "session") == "session":
        # __Host- binds the cookie to this origin (Secure, Path=/, no Domain); it needs HTTPS.
        secure = app.config["SESSION_COOKIE_SECURE"]
        app.config["SESSION_COOKIE_NAME"] = "__Host-evosync" if secure else "evosync_session"


def _coerce_types(config: dict[str, Any]) -> None:
    """Environment values arrive as strings unless they parse as JSON; normalise the ones we rely on."""
    for key in BOOL_KEYS:
        value = config.get(key)
        if isinstance(value, str):
            config[key] = value.strip().lower() in {"1", "true", "yes", "on"}
    for key in INT_KEYS:
        value = config.get(key)
        if isinstance(value, str):
            try:
                config[key] = int(value)
            except ValueError as exc:
                raise ConfigError(f"{key} must be an integer, got {value!r}") from exc


def _point_at_sandbox(config: dict[str, Any]) -> None:
    """Point every provider URL still at its production default at the sandbox instead."""
    for key, url in provider_urls(config["SANDBOX_URL"]).items():
        if config.get(key) == DEFAULTS[key]:
            config[key] = url


def database_uri(app: Flask) -> str:
    """Return the SQLAlchemy URI: DATABASE_URL, else SQLite in the instance folder."""
    url = app.config.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + os.path.join(app.instance_path, "evosync.sqlite")
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def check_production_config(app: Flask) -> None:
    """Refuse to serve in production with missing or default secrets."""
    if app.config["ENV"] != "production":
        return
    problems = []
    secret = app.config.get("SECRET_KEY")
    if not secret or secret == DEV_SECRET_KEY or len(str(secret)) < 32:
        problems.append("SECRET_KEY is missing, too short (< 32 characters) or the development default")
    if not app.config.get("TOKEN_KEYS"):
        problems.append("TOKEN_KEYS is missing (comma-separated Fernet keys)")
    if not app.config.get("DATABASE_URL"):
        problems.append("DATABASE_URL is missing")
    if problems:
        raise ConfigError("Refusing to start in production: " + "; ".join(problems))
