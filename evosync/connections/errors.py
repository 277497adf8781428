"""Errors the connections feature raises to its callers (views, CLI, other services)."""

from evosync.refusals import Refusal

VK_TOKEN_REVOKED_RU = "Токен отозван — подключите ВКонтакте заново."  # noqa: S105 - a message, not a secret


class ConnectionProblem(Refusal):
    """Base: ``message_ru`` is shown to the merchant, ``code`` is stable for logic and tests."""

    code = "problem"

    def __init__(self, message_ru: str, code: str | None = None) -> None:
        super().__init__(message_ru)
        if code:
            self.code = code


class NotConnected(ConnectionProblem):
    """The user has no connection to that provider (or it was disconnected)."""

    code = "not_connected"


class ConnectionBroken(ConnectionProblem):
    """The connection exists but its token no longer works; the user must reconnect."""

    code = "token_revoked"
