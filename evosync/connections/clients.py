"""The one place API clients are built for a user's connections (tokens decrypted here, never elsewhere),
and the one "VK error 5 → refresh the token once → retry" policy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app

from evosync.config import fetch_options
from evosync.connections.errors import NotConnected
from evosync.connections.models import Connection
from evosync.connections.queries import get_connection
from evosync.connections.tokens import access_token
from evosync.connections.vault_access import vault
from evosync.evotor.client import EvotorClient
from evosync.vk.client import VkClient
from evosync.vk.errors import TokenInvalid
from evosync.vk.retry import RetryPolicy

T = TypeVar("T")


def evotor_client(token: str, **kwargs: Any) -> EvotorClient:
    """An Evotor client for ``token`` against the configured API."""
    config = current_app.config
    return EvotorClient(token, config["EVOTOR_API_URL"], **{**fetch_options(config, "evotor"), **kwargs})


def evotor_client_for(user_id: int, **kwargs: Any) -> EvotorClient:
    """An Evotor client with the user's token, or NotConnected."""
    connection = get_connection(user_id, "evotor")
    if connection is None:
        raise NotConnected("Эвотор не подключён — подключите его на странице «Подключения».")
    return evotor_client(vault().decrypt(connection.access_token_enc), **kwargs)


def vk_client(connection: Connection, token: str | None = None, **kwargs: Any) -> VkClient:
    """A VK client for ``connection`` with a fresh token: configured URL, version, rate and backoff base."""
    config = current_app.config
    kwargs.setdefault("retry_policy", RetryPolicy(base=float(config.get("VK_RETRY_BASE", 1.0))))
    return VkClient(
        token or access_token(connection),
        config["VK_API_URL"],
        version=config["VK_API_VERSION"],
        rps=int(config["VK_RPS"]),
        **{**fetch_options(config, "vk"), **kwargs},
    )


def vk_client_for(user_id: int, **kwargs: Any) -> VkClient:
    """A VK client with the user's fresh token (refreshed when about to expire), or NotConnected."""
    connection = get_connection(user_id, "vk")
    if connection is None:
        raise NotConnected("ВКонтакте не подключён — подключите его на странице «Подключения».")
    return vk_client(connection, **kwargs)


class RefreshingVk:
    """A VK client for one connection that, on error 5, refreshes the token once and retries.

    A second error 5 (after the refresh) propagates as ``TokenInvalid``; a refused refresh as
    ``ConnectionBroken``. ``requests`` counts the requests of every client used, replaced ones included.
    """

    def __init__(self, connection: Connection, **client_kwargs: Any) -> None:
        self.connection = connection
        self.client_kwargs = client_kwargs
        self.client = vk_client(connection, **client_kwargs)
        self.refreshed = False
        self._spent = 0

    @property
    def requests(self) -> int:
        """VK requests sent through this object (API calls + upload POSTs)."""
        return self._spent + self.client.requests_sent

    def call(self, fn: Callable[[VkClient], T]) -> T:
        """Run ``fn(client)``; on error 5 refresh once and run it again with a new client."""
        try:
            return fn(self.client)
        except TokenInvalid:
            if self.refreshed:
                raise
            self.refreshed = True
            token = access_token(self.connection, force_refresh=True)
            self._spent += self.client.requests_sent
            self.client = vk_client(self.connection, token=token, **self.client_kwargs)
            return fn(self.client)
