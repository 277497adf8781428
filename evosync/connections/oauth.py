"""Authlib registration of the two OAuth providers, with OAuth state kept server-side and encrypted."""

from __future__ import annotations

from datetime import timedelta

from authlib.integrations.flask_client import FlaskOAuth2App, OAuth
from flask import Flask, current_app, session, url_for
from sqlalchemy import delete

from evosync.connections.models import OAuthState
from evosync.connections.vault import VaultError
from evosync.connections.vault_access import vault
from evosync.db import as_utc, utcnow
from evosync.extensions import db

# OAuth flows one browser may have in progress per provider (several tabs, a retry after «Назад»).
MAX_PENDING_STATES = 5


class DatabaseStateCache:
    """The get/set/delete interface Authlib expects of ``OAuth(cache=…)``, backed by ``oauth_states``."""

    def get(self, key: str) -> str | None:
        """Return the decrypted value of a live state, else None."""
        row = db.session.get(OAuthState, key)
        if row is None or as_utc(row.expires_at) < utcnow():
            return None
        try:
            return vault().decrypt(row.value_enc)
        except VaultError:
            return None

    def set(self, key: str, value: str, timeout: int | None = None) -> None:
        """Store ``value`` encrypted for ``timeout`` seconds (and sweep expired states)."""
        now = utcnow()
        db.session.execute(delete(OAuthState).where(OAuthState.expires_at < now))
        db.session.merge(
            OAuthState(
                key=key, value_enc=vault().encrypt(value), expires_at=now + timedelta(seconds=timeout or 600)
            )
        )
        db.session.commit()

    def delete(self, key: str) -> None:
        """Forget a state: each one is good for a single callback."""
        db.session.execute(delete(OAuthState).where(OAuthState.key == key))
        db.session.commit()


def init_oauth(app: Flask) -> None:
    """Register the Evotor and VK ID clients from the app config (one registry per app)."""
    # Authlib's registry caches clients; a module-global one would leak one app's URLs into the next.
    oauth = OAuth(app, cache=DatabaseStateCache())
    app.extensions["evosync_oauth"] = oauth
    config = app.config
    oauth.register(
        "evotor",
        client_id=config.get("EVOTOR_CLIENT_ID"),
        client_secret=config.get("EVOTOR_CLIENT_SECRET"),
        authorize_url=config["EVOTOR_AUTHORIZE_URL"],
        access_token_url=config["EVOTOR_TOKEN_URL"],
        # Evotor's token endpoint takes the client credentials as HTTP Basic (evotor-api.md §1.4).
        client_kwargs={
            "token_endpoint_auth_method": "client_secret_basic",
            # PKCE: a code intercepted on its way back is useless without the verifier kept server-side.
            "code_challenge_method": "S256",
            "timeout": 15,
        },
        overwrite=True,
    )
    oauth.register(
        "vk",
        client_id=config.get("VK_CLIENT_ID"),
        client_secret=config.get("VK_CLIENT_SECRET"),
        authorize_url=config["VK_AUTHORIZE_URL"],
        access_token_url=config["VK_TOKEN_URL"],
        client_kwargs={
            "scope": config["VK_SCOPE"],
            "code_challenge_method": "S256",
            # VK ID wants client_id (and the secret, when set) in the form body, not HTTP Basic.
            "token_endpoint_auth_method": "client_secret_post" if config.get("VK_CLIENT_SECRET") else "none",
            "timeout": 15,
        },
        overwrite=True,
    )


def callback_url(endpoint: str) -> str:
    """The absolute URL of an OAuth callback, built from PUBLIC_URL, never from the request's Host header.

    Only outside production and without PUBLIC_URL (local runs, tests) does the request's host stand in.
    """
    public = current_app.config.get("PUBLIC_URL")
    if public:
        return str(public).rstrip("/") + url_for(endpoint)
    if current_app.config["ENV"] == "production":
        raise RuntimeError("PUBLIC_URL is not set")  # the start-up check refuses this configuration
    return url_for(endpoint, _external=True)


def start_authorization(name: str, callback_endpoint: str):
    """Redirect to provider ``name``'s authorize page, keeping at most MAX_PENDING_STATES flows per browser.

    Each start adds a state row and a marker in the session cookie; without a bound, repeated starts grow
    the cookie past what browsers keep and later callbacks fail. The oldest pending flows are forgotten.
    """
    _forget_oldest_states(name, MAX_PENDING_STATES - 1)
    return oauth_client(name).authorize_redirect(callback_url(callback_endpoint))


def _forget_oldest_states(name: str, keep: int) -> None:
    prefix = f"_state_{name}_"
    pending = sorted(
        (key for key in session if key.startswith(prefix)),
        key=lambda key: (session[key] or {}).get("exp", 0) if isinstance(session[key], dict) else 0,
        reverse=True,
    )
    stale = pending[keep:]
    for key in stale:
        session.pop(key, None)
    if stale:
        db.session.execute(delete(OAuthState).where(OAuthState.key.in_(stale)))
        db.session.flush()


def oauth_client(name: str) -> FlaskOAuth2App:
    """The Authlib client of provider ``name`` ('evotor' or 'vk') for the current app."""
    return current_app.extensions["evosync_oauth"].create_client(name)


def evotor_oauth_enabled() -> bool:
    """The Evotor OAuth button is offered only with a configured client id."""
    return bool(current_app.config.get("EVOTOR_CLIENT_ID"))


def vk_oauth_enabled() -> bool:
    """VK can be connected only with a configured VK ID app."""
    return bool(current_app.config.get("VK_CLIENT_ID"))
