"""The per-account security log: what happened to an account, from where (flush only)."""

from __future__ import annotations

from flask import has_request_context, request
from sqlalchemy import select

from evosync.auth.models_security import SecurityEvent
from evosync.extensions import db

# kind → what /account shows (Russian).
KINDS_RU = {
    "registered": "Регистрация",
    "login": "Вход",
    "login_failed": "Неудачная попытка входа",
    "login_throttled": "Вход временно ограничен после неудачных попыток",
    "logout": "Выход",
    "email_confirmed": "Почта подтверждена",
    "password_changed": "Пароль изменён",
    "password_reset_requested": "Запрошен сброс пароля",
    "password_reset": "Пароль сброшен по ссылке из письма",
    "register_attempt": "Попытка зарегистрироваться на вашу почту",
    "sessions_revoked": "Выход на всех устройствах",
    "connection_added": "Подключение добавлено",
    "connection_removed": "Подключение удалено",
    "admin_suspended": "Аккаунт приостановлен оператором",
    "admin_resumed": "Аккаунт возобновлён оператором",
    "admin_confirmation_sent": "Оператор повторно отправил письмо для подтверждения",
    "admin_granted": "Выданы права оператора",
    "admin_revoked": "Сняты права оператора",
}


def client_address() -> str:
    """The client's address (ProxyFix has already applied the trusted hops), or '' outside a request."""
    return (request.remote_addr or "")[:64] if has_request_context() else ""


def log_event(user_id: int, kind: str, detail: str = "", actor_id: int | None = None) -> SecurityEvent:
    """Add one line to ``user_id``'s security log (flush only)."""
    event = SecurityEvent(
        user_id=user_id, kind=kind, detail=detail[:255], client=client_address(), actor_id=actor_id
    )
    db.session.add(event)
    db.session.flush()
    return event


def recent_events(user_id: int, limit: int = 30) -> list[SecurityEvent]:
    """The newest lines of ``user_id``'s log."""
    return list(
        db.session.scalars(
            select(SecurityEvent)
            .where(SecurityEvent.user_id == user_id)
            .order_by(SecurityEvent.created_at.desc(), SecurityEvent.id.desc())
            .limit(limit)
        )
    )
