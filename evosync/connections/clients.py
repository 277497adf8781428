"""Ready-to-use API clients for a user's connections (tokens decrypted here, never elsewhere)."""

from __future__ import annotations

from flask import current_app

from evosync.config import fetch_options
from evosync.connections.errors import NotConnected
from evosync.connections.health import vk_client
from evosync.connections.queries import get_connection
from evosync.connections.vault_access import vault
from evosync.evotor.client import EvotorClient
from evosync.vk.client import VkClient


def evotor_client_for(user_id: int) -> EvotorClient:
    """An Evotor client with the user's token, or NotConnected."""
    connection = get_connection(user_id, "evotor")
    if connection is None:
        raise NotConnected("Эвотор не подключён — подключите его на странице «Подключения».")
    config = current_app.config
    return EvotorClient(
        vault().decrypt(connection.access_token_enc),
        config["EVOTOR_API_URL"],
        **fetch_options(config, "evotor"),
    )


def vk_client_for(user_id: int, **kwargs) -> VkClient:
    """A VK client with the user's fresh token (refreshed when about to expire), or NotConnected."""
    connection = get_connection(user_id, "vk")
    if connection is None:
        raise NotConnected("ВКонтакте не подключён — подключите его на странице «Подключения».")
    return vk_client(connection, **kwargs)
