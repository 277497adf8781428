"""Where the rest of the app reports events that may deserve a mail; each turns into one ``notify`` call.

- ``connection_changed``: a connection's health moved (connections/health.py ``record``, tokens.py
  ``mark_broken``) — into a lasting error, or from an error back to working;
- ``run_failed``: a sync run ended as «ошибка» (sync outcomes) — mailed when it is the third in a row.

The captcha pause calls ``notify(user_id, "captcha")`` directly.
"""

from __future__ import annotations

from sqlalchemy import select

from evosync.connections.models import Connection
from evosync.extensions import db
from evosync.notifications.service import notify
from evosync.sync.runs.models import SyncRun

# The mails say «подключение к …»: the dative («ВКонтакте» does not decline).
PROVIDER_TO = {"evotor": "Эвотору", "vk": "ВКонтакте"}
# Reasons a merchant has to act on (reconnect, switch Market back on); transient trouble is not mailed, and a
# captcha has its own mail from the sync.
BROKEN_CODES = ("token_revoked", "rights_missing", "not_admin", "market_off", "access_denied")
FAILED_IN_A_ROW = 3


def connection_changed(connection: Connection, previous_status: str | None) -> None:
    """Mail a connection that broke for a reason the merchant must fix, or one that works again."""
    name = PROVIDER_TO.get(connection.provider, connection.provider)
    if connection.status == "error" and connection.reason_code in BROKEN_CODES and previous_status != "error":
        notify(
            connection.user_id,
            "connection_broken",
            about=f"{connection.provider}:{connection.reason_code}",
            provider=name,
            message=connection.message or "",
        )
    elif connection.status == "ok" and previous_status == "error":
        notify(connection.user_id, "connection_recovered", about=connection.provider, provider=name)


def run_failed(user_id: int) -> None:
    """Mail the user when their last three finished runs all failed."""
    statuses = db.session.scalars(
        select(SyncRun.status)
        .where(SyncRun.user_id == user_id, SyncRun.status.in_(("succeeded", "partial", "failed")))
        .order_by(SyncRun.id.desc())
        .limit(FAILED_IN_A_ROW)
    ).all()
    if len(statuses) == FAILED_IN_A_ROW and all(s == "failed" for s in statuses):
        notify(user_id, "runs_failed", count=FAILED_IN_A_ROW)
