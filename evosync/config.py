"""Configuration: defaults in code → instance/config.py → EVOSYNC_* environment → overrides."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from cryptography.fernet import Fernet, MultiFernet
from flask import Flask

from evosync.auth.passwords import MIN_MEMORY_KIB, MIN_TIME_COST
from evosync.sandbox.urls import SANDBOX_DEFAULT_URL, provider_urls

DEV_SECRET_KEY = "dev-only-insecure-secret-key"  # noqa: S105 - a marker that production refuses
# Fernet keys published in this repository (the test suite's): anyone can decrypt what they encrypt.
PUBLISHED_TOKEN_KEYS = frozenset({"Lm4Wc7N8kq4cAqJ8X0m0q9mJw3rR2cCFe3yU8m0n8aA="})

DEFAULTS: dict[str, Any] = {
    # "production" unless told otherwise: a forgotten setting must fail closed, not open.
    "ENV": "production",
    "SECRET_KEY": None,
    "DATABASE_URL": None,
    "TOKEN_KEYS": None,
    # The address merchants reach this app at (https://evosync.example.ru); OAuth callback URLs and every
    # link in a mail are built from it, never from the request's Host header. Required in production.
    "PUBLIC_URL": None,
    "EVOTOR_API_URL": "https://api.evotor.ru",
    "EVOTOR_AUTHORIZE_URL": "https://oauth.evotor.ru/oauth/authorize",
    "EVOTOR_TOKEN_URL": "https://oauth.evotor.ru/oauth/token",
    # Hosts besides EVOTOR_API_URL's own that product image URLs may point at (".x.ru" = any subdomain);
    # each is resolved and refused if it is not a public address. See docs/hostile-inputs.md.
    "EVOTOR_IMAGE_HOSTS": ".evotor.ru",
    "EVOTOR_CLIENT_ID": None,
    "EVOTOR_CLIENT_SECRET": None,
    "VK_API_URL": "https://api.vk.ru/method",
    "VK_API_VERSION": "5.199",
    "VK_AUTHORIZE_URL": "https://id.vk.ru/authorize",
    "VK_TOKEN_URL": "https://id.vk.ru/oauth2/auth",
    "VK_USERINFO_URL": "https://id.vk.ru/oauth2/user_info",
    "VK_REVOKE_URL": "https://id.vk.ru/oauth2/revoke",
    # Hosts besides VK_API_URL's own that photo upload URLs from VK may point at (VK's upload servers).
    "VK_UPLOAD_HOSTS": ".vk.com,.vk.ru,.userapi.com",
    "VK_CLIENT_ID": None,
    "VK_CLIENT_SECRET": None,
    # VK ID rights by name, space-separated; VK ID has no `offline` (a refresh token keeps access). docs/vk-scopes.md
    "VK_SCOPE": "market photos groups",
    "VK_RPS": 3,
    # PostgreSQL ends a session left idle inside a transaction this long (a frozen or cut-off process), so its
    # row locks never hold other processes up for longer (docs/reliability.md). 0 turns it off.
    "DB_IDLE_TRANSACTION_SECONDS": 300,
    # Seconds added to every VK request slot's window, against network jitter (see evosync/ratelimit/).
    "VK_RATE_MARGIN": 0.1,
    # The per-token limit lives in the app database, shared by every process and host.
    "VK_SHARED_RATE_LIMIT": True,
    # With a SQLite app database the slot rows live in a file of their own: None = instance/vk-rate.sqlite.
    "VK_RATE_SQLITE": None,
    "VK_DEFAULT_CATEGORY_ID": None,
    # Number of trusted reverse proxies in front of the app (nginx = 1); 0 trusts no X-Forwarded-* header.
    "PROXY_HOPS": 0,
    "SANDBOX": False,
    # Task queue storage: None = a SQLite file in instance/ (separate from the app database).
    "TASKS_URL": None,
    # The workers' schedule: minutes between connection checks and between catalog refreshes (docs/tasks.md).
    "HEALTH_CHECK_MINUTES": 60,
    "CATALOG_REFRESH_MINUTES": 60,
    # Minutes between a user's scheduled syncs (the latest run of any kind counts).
    "SYNC_INTERVAL_MINUTES": 10,
    # Threads `flask sync run` uses when no worker is running (users in parallel, each within VK_RPS).
    "SYNC_CLI_THREADS": 8,
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
    "REGISTER_LIMIT_PER_CLIENT": "20 per hour",
    # Failed logins (see docs/accounts.md): per account+client a growing delay after a few free tries; per
    # account across all clients a smaller capped delay that only applies to clients that have failed too.
    "LOGIN_THROTTLE_FREE_PER_CLIENT": 3,
    "LOGIN_THROTTLE_FREE_PER_ACCOUNT": 10,
    "LOGIN_THROTTLE_MAX_SECONDS": 900,
    "LOGIN_THROTTLE_ACCOUNT_MAX_SECONDS": 60,
    "LOGIN_THROTTLE_WINDOW_MINUTES": 60,
    # Mail (Flask-Mailman); with SANDBOX on and no MAIL_SERVER, mail goes to the sandbox's outbox.
    "MAIL_SERVER": None,
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_DEFAULT_SENDER": "EvoSync <noreply@localhost>",
    "MAIL_TIMEOUT": 20,
    "MAIL_BACKEND": None,
    "CONNECT_LIMIT_PER_USER": "20 per 10 minutes",
    # Catalog refresh, CSV export, plan preview and «Синхронизировать сейчас», each per user.
    "EXPENSIVE_LIMIT_PER_USER": "30 per 10 minutes",
    "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
    # argon2id cost; production refuses less than OWASP's minimum (19 MiB, t=2).
    "PASSWORD_HASH_MEMORY_KIB": 47104,
    "PASSWORD_HASH_TIME_COST": 2,
    "SQLALCHEMY_TRACK_MODIFICATIONS": False,
}

BOOL_KEYS = (
    "SANDBOX",
    "VK_SHARED_RATE_LIMIT",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "MAIL_USE_TLS",
    "MAIL_USE_SSL",
)
INT_KEYS = (
    "VK_RPS",
    "DB_IDLE_TRANSACTION_SECONDS",
    "SESSION_IDLE_MINUTES",
    "SESSION_MAX_HOURS",
    "WTF_CSRF_TIME_LIMIT",
    "MAX_CONTENT_LENGTH",
    "MAIL_PORT",
    "MAIL_TIMEOUT",
    "LOGIN_THROTTLE_FREE_PER_CLIENT",
    "LOGIN_THROTTLE_FREE_PER_ACCOUNT",
    "LOGIN_THROTTLE_MAX_SECONDS",
    "LOGIN_THROTTLE_ACCOUNT_MAX_SECONDS",
    "LOGIN_THROTTLE_WINDOW_MINUTES",
    "PASSWORD_HASH_MEMORY_KIB",
    "PASSWORD_HASH_TIME_COST",
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
    _choose_mail_backend(app.config)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        engine = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        # No SELECT 1 per checkout: the pool's checkout hook sees a connection the server closed by its
        # socket (evosync/db.py), without a round trip.
        engine.setdefault("pool_pre_ping", False)
        # Timestamps come back in UTC whatever the server's or role's TimeZone setting says.
        idle_ms = int(app.config["DB_IDLE_TRANSACTION_SECONDS"]) * 1000
        options = f"-c timezone=UTC -c idle_in_transaction_session_timeout={idle_ms}"
        engine.setdefault("connect_args", {}).setdefault("options", options)
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


def _choose_mail_backend(config: dict[str, Any]) -> None:
    """SMTP when a server is configured (or outside the sandbox); the sandbox's outbox otherwise."""
    if config.get("MAIL_BACKEND"):
        return
    if config["SANDBOX"] and not config.get("MAIL_SERVER"):
        config["MAIL_BACKEND"] = "evosync.mail.outbox_backend.EmailBackend"
    else:
        config["MAIL_BACKEND"] = "smtp"
        config["MAIL_SERVER"] = config.get("MAIL_SERVER") or "localhost"


def _point_at_sandbox(config: dict[str, Any]) -> None:
    """Point every provider URL still at its production default at the sandbox instead."""
    for key, url in provider_urls(config["SANDBOX_URL"]).items():
        if config.get(key) == DEFAULTS[key]:
            config[key] = url


def fetch_options(config: dict[str, Any], provider: str) -> dict[str, Any]:
    """Keyword arguments for EvotorClient / VkClient: the extra allowed hosts and https-only in production."""
    production = config.get("ENV") == "production"
    if provider == "evotor":
        return {"image_hosts": config.get("EVOTOR_IMAGE_HOSTS") or "", "https_only": production}
    return {"upload_hosts": config.get("VK_UPLOAD_HOSTS") or "", "https_only": production}


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
    """Refuse to serve in production with missing, default, published or unparsable settings."""
    if app.config["ENV"] != "production":
        return
    config = app.config
    problems = []
    secret = config.get("SECRET_KEY")
    if not secret or secret == DEV_SECRET_KEY or len(str(secret)) < 32:
        problems.append("SECRET_KEY is missing, too short (< 32 characters) or the development default")
    problems += _token_key_problems(config.get("TOKEN_KEYS"))
    if not config.get("DATABASE_URL"):
        problems.append("DATABASE_URL is missing")
    if str(config.get("RATELIMIT_STORAGE_URI") or "memory://").startswith("memory://"):
        problems.append("RATELIMIT_STORAGE_URI is memory:// (per worker); set a shared one such as redis://")
    if not config.get("SESSION_COOKIE_SECURE"):
        problems.append("SESSION_COOKIE_SECURE is false; production cookies must be HTTPS-only")
    public = str(config.get("PUBLIC_URL") or "")
    if not public.startswith("https://"):
        problems.append("PUBLIC_URL is missing or not https:// (OAuth callbacks are built from it)")
    if (
        config["PASSWORD_HASH_MEMORY_KIB"] < MIN_MEMORY_KIB
        or config["PASSWORD_HASH_TIME_COST"] < MIN_TIME_COST
    ):
        problems.append("PASSWORD_HASH_MEMORY_KIB / _TIME_COST are below argon2id's minimum (19456 KiB, t=2)")
    if problems:
        raise ConfigError("Refusing to start in production: " + "; ".join(problems))


def _token_key_problems(raw: Any) -> list[str]:
    """Parse TOKEN_KEYS as the vault will (MultiFernet), so a bad key stops the start, not a later request."""
    keys = [k.strip() for k in raw.split(",") if k.strip()] if isinstance(raw, str) else list(raw or ())
    if not keys:
        return ["TOKEN_KEYS is missing (comma-separated Fernet keys)"]
    try:
        MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])
    except (ValueError, TypeError):
        return ["TOKEN_KEYS holds a value that is not a Fernet key"]
    if any((k.decode() if isinstance(k, bytes) else k) in PUBLISHED_TOKEN_KEYS for k in keys):
        return ["TOKEN_KEYS contains the test key published in this repository"]
    return []
