"""Turning an OAuth callback into tokens, or into a Russian reason why not."""

from __future__ import annotations

import logging

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from flask import Request

from evosync.connections.errors import ConnectionProblem
from evosync.connections.oauth import oauth_client
from evosync.connections.tokens import TokenSet, parse_token_response

log = logging.getLogger(__name__)

PROVIDER_NAMES = {"evotor": "Эвотор", "vk": "ВКонтакте"}


def exchange_code(provider: str, request: Request) -> tuple[TokenSet, str | None]:
    """Validate the callback and exchange its code at ``provider``'s own token URL.

    Returns the tokens and (VK) the device_id; raises ConnectionProblem with a Russian message.
    """
    name = PROVIDER_NAMES[provider]
    args = request.args
    if args.get("error"):
        raise ConnectionProblem(f"Подключение {name} отменено — вы не дали доступ.", "denied")
    if not args.get("state"):
        raise ConnectionProblem("Ссылка подключения неполная — начните подключение заново.", "bad_state")
    if not args.get("code"):
        raise ConnectionProblem(f"{name} не вернул код авторизации — начните подключение заново.", "no_code")
    extra = {}
    device_id = None
    if provider == "vk":
        device_id = args.get("device_id")
        if not device_id or len(device_id) > 255:
            raise ConnectionProblem(
                "ВКонтакте не вернул идентификатор устройства — начните подключение заново.", "no_device"
            )
        extra["device_id"] = device_id
    try:
        token = oauth_client(provider).authorize_access_token(**extra)
    except MismatchingStateError:
        raise ConnectionProblem(
            "Ссылка подключения устарела или открыта в другом браузере — начните подключение заново.",
            "bad_state",
        ) from None
    except (OAuthError, AuthlibBaseError) as exc:
        log.info("%s token endpoint refused the code: %s", provider, getattr(exc, "error", "error"))
        raise ConnectionProblem(
            f"{name} отклонил подключение — начните подключение заново.", "token_refused"
        ) from None
    except requests.RequestException:
        raise ConnectionProblem(
            f"{name} не отвечает — попробуйте подключиться чуть позже.", "unavailable"
        ) from None
    try:
        return parse_token_response(dict(token)), device_id
    except (KeyError, TypeError, ValueError):
        raise ConnectionProblem(
            f"{name} прислал непонятный ответ — попробуйте ещё раз.", "bad_response"
        ) from None
