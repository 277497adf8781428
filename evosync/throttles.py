"""Per-user limits on the actions that cost real work (provider calls, whole-catalog reads), with Russian answers.

Each limit is a Flask-Limiter shared limit keyed by the logged-in user, read from the config when checked
(so tests and operators can change it); the 429 page shows ``message_ru``.
"""

from __future__ import annotations

from flask import current_app
from flask_login import current_user

from evosync.extensions import limiter

TOO_OFTEN_RU = "Слишком часто — подождите несколько минут и попробуйте снова."


def per_user(config_key: str, scope: str, message_ru: str = TOO_OFTEN_RU):
    """A decorator limiting the view to ``config[config_key]`` (e.g. "20 per 10 minutes") per user."""
    return limiter.shared_limit(
        lambda: current_app.config[config_key],
        scope=scope,
        key_func=lambda: f"{scope}:{current_user.get_id()}",
        error_message=message_ru,
    )


limit_connects = per_user(
    "CONNECT_LIMIT_PER_USER",
    "oauth-connect",
    "Слишком много попыток подключения подряд — подождите несколько минут и попробуйте снова.",
)
limit_refresh = per_user(
    "EXPENSIVE_LIMIT_PER_USER",
    "catalog-refresh",
    "Каталог обновляли слишком часто — подождите несколько минут.",
)
limit_export = per_user(
    "EXPENSIVE_LIMIT_PER_USER",
    "catalog-export",
    "Выгрузку скачивали слишком часто — подождите несколько минут.",
)
limit_plan = per_user("EXPENSIVE_LIMIT_PER_USER", "sync-plan")
limit_sync_now = per_user(
    "EXPENSIVE_LIMIT_PER_USER",
    "sync-now",
    "Синхронизацию запускали слишком часто — подождите несколько минут.",
)
