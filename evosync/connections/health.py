"""Health checks of a connection: classify what the provider says into ok / warning / error + reason."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import requests

from evosync.connections.clients import RefreshingVk, evotor_client
from evosync.connections.errors import VK_TOKEN_REVOKED_RU, ConnectionBroken
from evosync.connections.models import Connection
from evosync.connections.vault_access import vault
from evosync.db import utcnow
from evosync.evotor import errors as evotor_errors
from evosync.extensions import db
from evosync.notifications.triggers import connection_changed
from evosync.vk import errors as vk_errors

log = logging.getLogger(__name__)

# Transient trouble (5xx, timeouts) is a warning until it has happened this many times in a row.
FAILURES_BEFORE_ERROR = 3
REQUIRED_VK_SCOPES = ("market", "photos")
CHECK_TIMEOUT = (5, 15)


# The checks' verdicts that /sync recognises in a run's message (evosync/sync/config/problems.py).
EVOTOR_REVOKED_RU = "Токен Эвотора недействителен — подключите Эвотор заново."
VK_CAPTCHA_RU = "ВКонтакте просит подтвердить действия капчей — откройте vk.com, затем проверьте снова."
VK_MARKET_OFF_RU = "В сообществе выключены Товары — включите их в настройках сообщества."


@dataclass(frozen=True)
class Verdict:
    """The outcome of one check."""

    status: str  # ok | warning | error
    code: str
    message: str | None = None
    transient: bool = False


OK = Verdict("ok", "ok")


def check_connection(connection: Connection) -> Verdict:
    """Run the provider's check, store the verdict on the row (flush only) and return it."""
    try:
        verdict = check_evotor(connection) if connection.provider == "evotor" else check_vk(connection)
    except ConnectionBroken as exc:
        verdict = Verdict("error", exc.code, exc.message_ru)
    except requests.RequestException:
        verdict = _unreachable(connection.provider)
    record(connection, verdict)
    return verdict


def record(connection: Connection, verdict: Verdict) -> None:
    """Persist a verdict: transient failures escalate to an error only after several in a row."""
    now = utcnow()
    previous = connection.status
    connection.last_check_at = now
    if verdict.status == "ok":
        connection.status, connection.reason_code, connection.message = "ok", None, None
        connection.last_ok_at = now
        connection.consecutive_failures = 0
    else:
        connection.consecutive_failures = (connection.consecutive_failures or 0) + 1
        status = verdict.status
        if verdict.transient and connection.consecutive_failures >= FAILURES_BEFORE_ERROR:
            status = "error"
        connection.status, connection.reason_code, connection.message = status, verdict.code, verdict.message
    db.session.flush()
    connection_changed(connection, previous)


def _unreachable(provider: str) -> Verdict:
    name = "ВКонтакте" if provider == "vk" else "Эвотор"
    return Verdict("warning", "unavailable", f"{name} недоступен, повторим проверку.", transient=True)


def check_evotor(connection: Connection) -> Verdict:
    """Evotor: the token must list the stores."""
    client = evotor_client(vault().decrypt(connection.access_token_enc), timeout=CHECK_TIMEOUT, max_retries=1)
    try:
        client.stores()
    except evotor_errors.TokenInvalid:
        return Verdict("error", "token_revoked", EVOTOR_REVOKED_RU)
    except evotor_errors.RightsMissing:
        return Verdict(
            "error",
            "rights_missing",
            "У приложения нет доступа к магазинам — проверьте, что приложение установлено в личном кабинете "
            "Эвотора, и подключите Эвотор заново.",
        )
    except (evotor_errors.Unavailable, evotor_errors.RateLimited, evotor_errors.BadResponse):
        return _unreachable("evotor")
    return OK


def check_vk(connection: Connection) -> Verdict:
    """VK: the token works (one refresh on error 5), rights granted, the community's Market is on."""
    vk = RefreshingVk(connection, timeout=CHECK_TIMEOUT, max_retries=1)
    try:
        vk.call(lambda client: client.users_get())
        client = vk.client
        granted = client.app_permissions()
        missing = [scope for scope in REQUIRED_VK_SCOPES if scope not in granted]
        if missing:
            return Verdict(
                "error",
                "rights_missing",
                f"Не выданы права: {', '.join(missing)} — подключите ВКонтакте заново и разрешите доступ.",
            )
        if connection.vk_group_id is None:
            return Verdict(
                "warning", "no_community", "Выберите сообщество, в «Товары» которого выгружать товары."
            )
        group = client.group_by_id(connection.vk_group_id)
        connection.vk_group_name = group.name
        connection.vk_market_enabled = group.market_enabled
        if not group.is_admin:
            return Verdict(
                "error",
                "not_admin",
                "Вы больше не администратор выбранного сообщества — выберите другое сообщество.",
            )
        if group.market_enabled is False:
            return Verdict("error", "market_off", VK_MARKET_OFF_RU)
    except vk_errors.TokenInvalid:
        return Verdict("error", "token_revoked", VK_TOKEN_REVOKED_RU)
    except vk_errors.Captcha:
        return Verdict(
            "error",
            "captcha",
            VK_CAPTCHA_RU,
        )
    except vk_errors.AccessDenied:
        return Verdict(
            "error",
            "access_denied",
            "ВКонтакте запретил доступ к сообществу — проверьте права администратора.",
        )
    except (vk_errors.Flood, vk_errors.RateLimit, vk_errors.TooManyRequests):
        return Verdict(
            "warning", "flood", "ВКонтакте временно ограничил запросы, повторим проверку.", transient=True
        )
    except (vk_errors.Unavailable, vk_errors.ServerError, vk_errors.BadResponse):
        return _unreachable("vk")
    except vk_errors.VkError as exc:
        log.warning("VK check for connection %s: error %s", connection.id, exc.error_code)
        return Verdict("warning", "vk_error", "ВКонтакте ответил ошибкой, повторим проверку.", transient=True)
    return OK
