"""Test data factories shared across features (kept out of conftest so benchmarks can import them too)."""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from cryptography.fernet import Fernet
from limits.storage import MemoryStorage


def connect_accounts(
    app,
    user_id: int,
    sandbox,
    *,
    evotor: bool = True,
    vk: bool = True,
    vk_user_id: int | None = None,
    group_id: int | None = None,
    status: str | None = None,
) -> dict:
    """Seed the user's Evotor and/or VK connections with fresh sandbox tokens; returns the VK token pair.

    ``vk_user_id`` picks the sandbox VK account (default: the demo user) and ``group_id`` the community
    (default: the demo shop); ``status`` pre-sets the connections' health instead of leaving it unchecked.
    """
    from evosync.connections.service import save_tokens
    from evosync.db import utcnow
    from evosync.extensions import db

    pair = sandbox.mint_vk_tokens(user_id=vk_user_id) if vk else {}
    with app.app_context():
        rows = []
        if evotor:
            rows.append(save_tokens(user_id, "evotor", sandbox.mint_evotor_token(), auth_method="token"))
        if vk:
            connection = save_tokens(
                user_id,
                "vk",
                pair["access_token"],
                refresh_token=pair["refresh_token"],
                expires_at=utcnow() + timedelta(seconds=pair.get("expires_in") or 3600),
                device_id=pair["device_id"],
                scope="market photos groups offline",
            )
            connection.vk_group_id = group_id or sandbox.vk_group_id
            rows.append(connection)
        if status:
            for row in rows:
                row.status = status
        db.session.commit()
    return pair


class SharedTestStorage(MemoryStorage):
    """An in-process rate-limit storage under its own scheme: production refuses ``memory://`` (per
    worker), and the tests that build a production app have no Redis; registering the scheme is enough."""

    STORAGE_SCHEME: ClassVar[list[str]] = ["shared-test"]


def production_overrides(**extra) -> dict:
    """Config overrides that pass the production start-up check (fresh key, HTTPS, shared storage)."""
    return {
        "ENV": "production",
        "SECRET_KEY": "p" * 40,
        "TOKEN_KEYS": Fernet.generate_key().decode(),
        "RATELIMIT_STORAGE_URI": "shared-test://",
        "SESSION_COOKIE_SECURE": True,
        "PUBLIC_URL": "https://evosync.example.ru",
        # the real argon2id cost: production refuses the suite's cheap one
        "PASSWORD_HASH_MEMORY_KIB": 19456,
        "PASSWORD_HASH_TIME_COST": 2,
        **extra,
    }


def browser_login(page, email: str, password: str = "correct horse battery") -> None:
    """Log in through the real form in Chromium and land on «Подключения»."""
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/connections")
