"""One error family for the Evotor API: the HTTP status plus a Russian message the UI can show as is."""

from __future__ import annotations


class EvotorError(Exception):
    """Any failure talking to Evotor; ``status`` is the HTTP status (None when no answer came back)."""

    default_message_ru = "Ошибка при обращении к Эвотору."

    def __init__(self, message: str, *, status: int | None = None, message_ru: str | None = None):
        super().__init__(message)
        self.status = status
        self.message_ru = message_ru or self.default_message_ru


class TokenInvalid(EvotorError):
    """401: the token is wrong, expired or revoked."""

    default_message_ru = "Токен Эвотора недействителен или отозван. Подключите Эвотор заново."


class RightsMissing(EvotorError):
    """403: the app lacks a scope or the merchant has not installed it."""

    default_message_ru = (
        "У приложения нет прав на чтение этих данных в Эвоторе или оно не установлено. "
        "Проверьте установку приложения и права доступа."
    )


class NotFound(EvotorError):
    """404: the store, group or product does not exist (any more)."""

    default_message_ru = "Магазин или товар не найден в Эвоторе."


class RateLimited(EvotorError):
    """429 that persisted after the bounded waits; ``retry_after`` is Evotor's hint in seconds."""

    default_message_ru = "Эвотор временно ограничил число запросов. Повторите попытку позже."

    def __init__(self, message: str, *, status: int | None = 429, retry_after: float | None = None, **kw):
        super().__init__(message, status=status, **kw)
        self.retry_after = retry_after


class Unavailable(EvotorError):
    """5xx, timeout or connection failure that persisted after the bounded retries."""

    default_message_ru = "Эвотор сейчас недоступен. Повторите попытку позже."


class BadResponse(EvotorError):
    """Evotor answered something that is not the JSON we expect (or another 4xx)."""

    default_message_ru = "Эвотор вернул неожиданный ответ."


def error_for_status(status: int, where: str) -> EvotorError:
    """Build the typed error for an HTTP status; ``where`` is the request path (never the token)."""
    cls: type[EvotorError]
    if status == 401:
        cls = TokenInvalid
    elif status == 403:
        cls = RightsMissing
    elif status == 404:
        cls = NotFound
    elif status == 429:
        cls = RateLimited
    elif status >= 500:
        cls = Unavailable
    else:
        cls = BadResponse
    return cls(f"Evotor answered HTTP {status} for {where}", status=status)
