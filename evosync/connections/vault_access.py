"""The app's token vault, built from TOKEN_KEYS once per app."""

from __future__ import annotations

from flask import current_app

from evosync.connections.vault import TokenVault


def vault() -> TokenVault:
    """Return the vault of the current app (cached on the app's extensions)."""
    cached = current_app.extensions.get("evosync_vault")
    if cached is None:
        cached = current_app.extensions["evosync_vault"] = TokenVault(current_app.config.get("TOKEN_KEYS"))
    return cached
