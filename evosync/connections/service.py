"""Connection actions: connect, choose the community, check, disconnect, rotate keys.

Services flush; the caller (a view or a CLI command) commits.
"""

from __future__ import annotations

import logging
from datetime import datetime

import requests
from flask import current_app
from sqlalchemy import select, update

from evosync.auth.security_log import log_event
from evosync.connections.clients import evotor_client, vk_client
from evosync.connections.errors import VK_TOKEN_REVOKED_RU, ConnectionProblem
from evosync.connections.health import check_connection
from evosync.connections.models import Connection, OAuthState
from evosync.connections.queries import get_connection
from evosync.connections.tokens import TokenSet, access_token
from evosync.connections.vault_access import vault
from evosync.db import utcnow
from evosync.evotor import errors as evotor_errors
from evosync.extensions import db
from evosync.vk import errors as vk_errors
from evosync.vk.schemas import VkGroup

log = logging.getLogger(__name__)
_PROVIDER_RU = {"evotor": "Эвотор", "vk": "ВКонтакте"}


def save_tokens(
    user_id: int,
    provider: str,
    access_token: str,
    *,
    auth_method: str = "oauth",
    refresh_token: str | None = None,
    expires_at: datetime | None = None,
    device_id: str | None = None,
    scope: str = "",
) -> Connection:
    """Create or replace the user's connection to ``provider`` with freshly obtained tokens."""
    connection = get_connection(user_id, provider)
    created = connection is None
    if created:
        connection = Connection(user_id=user_id, provider=provider, token_version=0)
        db.session.add(connection)
    box = vault()
    connection.auth_method = auth_method
    connection.access_token_enc = box.encrypt(access_token)
    connection.refresh_token_enc = box.encrypt(refresh_token) if refresh_token else None
    connection.token_expires_at = expires_at
    connection.device_id = device_id
    connection.scope = scope
    connection.token_version = (connection.token_version or 0) + 1
    connection.status = "unknown"
    connection.reason_code = None
    connection.message = None
    connection.consecutive_failures = 0
    connection.updated_at = utcnow()
    db.session.flush()
    if created:
        log_event(user_id, "connection_added", detail=_PROVIDER_RU.get(provider, provider))
    return connection


def connect_evotor_token(user_id: int, token: str) -> Connection:
    """Check a pasted Evotor cloud token with a real `GET /stores`, then save it; ConnectionProblem if bad."""
    token = (token or "").strip()
    if not token or len(token) > 512 or any(ord(ch) < 33 or ord(ch) > 126 for ch in token):
        raise ConnectionProblem(
            "Вставьте токен Облака Эвотор — строку из личного кабинета Эвотора.", "bad_input"
        )
    client = evotor_client(token, timeout=(5, 15), max_retries=1)
    try:
        stores = client.stores()
    except evotor_errors.EvotorError as exc:
        raise ConnectionProblem(exc.message_ru or "Эвотор не принял токен.", "evotor_refused") from None
    connection = save_tokens(user_id, "evotor", token, auth_method="token")
    connection.account_name = _stores_label(len(stores))
    check_connection(connection)
    return connection


def _stores_label(count: int) -> str:
    if count % 10 == 1 and count % 100 != 11:
        word = "магазин"
    elif count % 10 in (2, 3, 4) and count % 100 not in (12, 13, 14):
        word = "магазина"
    else:
        word = "магазинов"
    return f"{count} {word}"


def complete_evotor_oauth(user_id: int, tokens: TokenSet) -> Connection:
    """Save the tokens an Evotor OAuth callback obtained and check them."""
    connection = save_tokens(
        user_id,
        "evotor",
        tokens.access_token,
        auth_method="oauth",
        refresh_token=tokens.refresh_token,
        expires_at=tokens.expires_at,
        scope=tokens.scope,
    )
    check_connection(connection)
    return connection


def complete_vk_oauth(user_id: int, tokens: TokenSet, device_id: str) -> Connection:
    """Save the tokens a VK ID callback obtained, read the profile, and check the connection."""
    previous = get_connection(user_id, "vk")
    same_account = previous is not None and previous.account_id == tokens.account_id
    connection = save_tokens(
        user_id,
        "vk",
        tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_at=tokens.expires_at,
        device_id=device_id,
        scope=tokens.scope,
    )
    connection.account_id = tokens.account_id
    if not same_account:
        # Another VK account: the community chosen for the old one may not be administered by this one.
        connection.vk_group_id = connection.vk_group_name = connection.vk_group_screen_name = None
        connection.vk_market_enabled = None
    load_vk_profile(connection, tokens.access_token)
    check_connection(connection)
    return connection


def load_vk_profile(connection: Connection, token: str) -> None:
    """Fill name, avatar and screen name from VK ID user_info and users.get (best effort)."""
    config = current_app.config
    try:
        response = requests.post(
            config["VK_USERINFO_URL"],
            data={"client_id": config.get("VK_CLIENT_ID") or "", "access_token": token},
            timeout=(5, 15),
        )
        info = response.json().get("user") or {} if response.ok else {}
    except (requests.RequestException, ValueError, AttributeError):
        info = {}
    name = " ".join(part for part in (info.get("first_name"), info.get("last_name")) if part)
    connection.account_name = name or connection.account_name
    connection.avatar_url = info.get("avatar") or connection.avatar_url
    try:
        user = vk_client(connection, token=token, timeout=(5, 15), max_retries=1).users_get()
    except (vk_errors.VkError, requests.RequestException):
        return
    connection.account_id = connection.account_id or str(user.id)
    connection.account_name = connection.account_name or user.full_name
    connection.screen_name = user.screen_name
    connection.avatar_url = connection.avatar_url or user.photo_100


def _ask_vk(call, failure_ru: str, failure_code: str):
    """Run one VK call for the community picker; a revoked token or any VK trouble → ConnectionProblem."""
    try:
        return call()
    except vk_errors.TokenInvalid:
        raise ConnectionProblem(VK_TOKEN_REVOKED_RU, "token_revoked") from None
    except (vk_errors.VkError, requests.RequestException):
        raise ConnectionProblem(failure_ru, failure_code) from None


def admin_communities(connection: Connection) -> list[VkGroup]:
    """Communities the VK user administers, for the picker."""
    return _ask_vk(
        lambda: vk_client(connection, timeout=(5, 15)).groups_admin(),
        "Не удалось получить список сообществ — попробуйте ещё раз.",
        "vk_error",
    )


def choose_community(connection: Connection, raw_group_id: str) -> VkGroup:
    """Store the chosen community after groups.getById confirms admin rights; returns it (Market state)."""
    raw = (raw_group_id or "").strip().lstrip("-")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18 or int(raw) == 0:
        raise ConnectionProblem("Выберите сообщество из списка.", "bad_input")
    group = _ask_vk(
        lambda: vk_client(connection, timeout=(5, 15)).group_by_id(int(raw)),
        "ВКонтакте не нашёл это сообщество — выберите его из списка.",
        "not_found",
    )
    if not group.is_admin:
        raise ConnectionProblem("Вы не администратор этого сообщества — выберите другое.", "not_admin")
    connection.vk_group_id = group.id
    connection.vk_group_name = group.name
    connection.vk_group_screen_name = group.screen_name
    connection.vk_market_enabled = group.market_enabled
    check_connection(connection)
    return group


def disconnect(connection: Connection) -> None:
    """Revoke at VK where possible, then delete the connection and its tokens (flush only)."""
    if connection.provider == "vk":
        _revoke_vk(connection)
    log_event(connection.user_id, "connection_removed", detail=_PROVIDER_RU.get(connection.provider, ""))
    db.session.delete(connection)
    db.session.flush()


def _revoke_vk(connection: Connection) -> None:
    config = current_app.config
    try:
        token = access_token(connection)
        requests.post(
            config["VK_REVOKE_URL"],
            data={"client_id": config.get("VK_CLIENT_ID") or "", "access_token": token},
            timeout=(5, 10),
        )
    except (requests.RequestException, ConnectionProblem):
        # Revocation is a courtesy: the tokens are deleted on our side whatever VK answers.
        log.info("VK revoke for connection %s failed; tokens deleted locally anyway", connection.id)


def rotate_token_keys(batch_size: int = 100) -> tuple[int, int]:
    """Re-encrypt every stored token with the first key; commits per batch so it can be interrupted.

    Returns (rows examined, rows re-encrypted). A rerun skips rows already on the first key. Each row is
    written only if its ``token_version`` is still the one read: a refresh or reconnect that lands during
    the rotation has already encrypted its new tokens with the first key, and must not be overwritten.
    """
    box = vault()
    examined = rotated = 0
    last_id = 0
    columns = (
        Connection.id,
        Connection.token_version,
        Connection.access_token_enc,
        Connection.refresh_token_enc,
    )
    while True:
        rows = db.session.execute(
            select(*columns).where(Connection.id > last_id).order_by(Connection.id).limit(batch_size)
        ).all()
        if not rows:
            break
        for row in rows:
            examined += 1
            last_id = row.id
            fresh = _rotated_fields(
                box, access_token_enc=row.access_token_enc, refresh_token_enc=row.refresh_token_enc
            )
            if fresh:
                result = db.session.execute(
                    update(Connection)
                    .where(Connection.id == row.id, Connection.token_version == row.token_version)
                    .values(**fresh)
                    .execution_options(synchronize_session=False)
                )
                rotated += result.rowcount
        db.session.commit()
    for key, value in db.session.execute(select(OAuthState.key, OAuthState.value_enc)).all():
        if not box.is_current(value):
            db.session.execute(
                update(OAuthState)
                .where(OAuthState.key == key, OAuthState.value_enc == value)
                .values(value_enc=box.rotate(value))
                .execution_options(synchronize_session=False)
            )
    db.session.commit()
    return examined, rotated


def _rotated_fields(box, **fields: str | None) -> dict[str, str]:
    """The given ciphertexts that are not on the first key yet, re-encrypted with it."""
    return {name: box.rotate(value) for name, value in fields.items() if value and not box.is_current(value)}
