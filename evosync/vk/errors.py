"""One error family for the VK API: ``VkError(code, msg, method, params)`` and typed subclasses.

Codes checked against ``vk-api-schema/errors.json`` (v5.199). Each error carries a Russian hint for the UI.
"""

from __future__ import annotations

from typing import Any

# Russian hints per error code, shown next to a product or a connection in the UI.
HINTS_RU: dict[int, str] = {
    3: "VK не знает этот метод API.",
    5: "Токен ВКонтакте недействителен или отозван. Подключите ВКонтакте заново.",
    6: "Слишком много запросов к VK в секунду. Повторим позже.",
    7: "Нет прав на это действие в VK.",
    9: "VK ограничил частые однотипные действия (flood control). Продолжим при следующем запуске.",
    10: "Внутренняя ошибка сервера VK. Повторим позже.",
    14: (
        "VK требует ввести капчу. Откройте ВКонтакте, подтвердите, что вы не робот, "
        "и возобновите синхронизацию."
    ),
    15: (
        "Доступ запрещён: у приложения нет нужных прав. "
        "Подключите ВКонтакте заново и разрешите доступ к товарам."
    ),
    27: "Метод недоступен с ключом сообщества — нужен ключ пользователя.",
    29: "Достигнут лимит VK на этот метод. Продолжим позже.",
    100: "VK отклонил параметры товара (название, описание, цена или фото).",
    113: "Неверный идентификатор пользователя VK.",
    121: "VK не принял загруженное фото (неверный hash). Повторим загрузку.",
    122: "VK не принял фотографии товара.",
    125: "Неверный идентификатор сообщества VK.",
    129: "VK не принял фото: неподдерживаемый формат или слишком маленький размер.",
    200: "Нет доступа к альбому VK.",
    203: "Нет доступа к сообществу VK.",
    205: "Нет доступа к товарам сообщества: нужно быть администратором или редактором.",
    1402: "Подборка товаров не найдена в VK.",
    1403: "Товар не найден в VK (возможно, удалён вручную).",
    1404: "Товар уже добавлен в эту подборку.",
    1405: "В сообществе слишком много товаров.",
    1406: "В подборке слишком много товаров.",
    1407: "В сообществе слишком много подборок.",
    1408: "VK запрещает ссылки в описании товара. Уберите ссылки из описания в Эвоторе.",
    1421: "Название товара слишком длинное для VK.",
    1429: "Укажите ширину, длину, высоту и вес вместе.",
    1433: "VK не принял обрезку фото товара (неверный формат).",
    1434: "VK не принял обрезку фото товара (угол за пределами изображения).",
    1435: "Фото товара слишком маленькое: нужно не меньше 400×400 пикселей.",
    1438: "В сообществе отключены товары. Включите «Товары» в настройках сообщества VK.",
    1525: "Товары в сообществе отключены.",
    1526: "Сервисы товаров в сообществе отключены.",
}
DEFAULT_HINT_RU = "Ошибка VK API."


def _clean_params(params: dict[str, Any] | None) -> dict[str, Any]:
    """Drop anything token-like so an error can be logged and shown safely."""
    return {k: v for k, v in (params or {}).items() if k not in {"access_token", "code_verifier"}}


class VkError(Exception):
    """A VK API error: ``code`` (None for transport failures), ``msg``, ``method``, ``params``."""

    def __init__(
        self,
        code: int | None,
        msg: str,
        method: str = "",
        params: dict[str, Any] | None = None,
        *,
        hint_ru: str | None = None,
        subcode: int | None = None,
    ):
        self.code = code
        self.msg = msg
        self.method = method
        self.params = _clean_params(params)
        self.subcode = subcode
        self.hint_ru = hint_ru or HINTS_RU.get(code or 0, DEFAULT_HINT_RU)
        super().__init__(f"VK error {code} in {method or '?'}: {msg}")

    @property
    def error_code(self) -> int | None:
        """Alias matching VK's field name."""
        return self.code

    @property
    def error_msg(self) -> str:
        """Alias matching VK's field name."""
        return self.msg


class UnknownMethod(VkError):
    """3: VK does not know the method (e.g. the removed photos.getMarketUploadServer)."""


class TokenInvalid(VkError):
    """5: user authorization failed — refresh once, then mark the connection broken."""


class TooManyRequests(VkError):
    """6: too many requests per second — retried by the client."""


class Flood(VkError):
    """9: flood control — stop this user's run, resume next run."""


class ServerError(VkError):
    """10 (and 1, 36): VK-side failure — retried by the client."""


class Captcha(VkError):
    """14: captcha needed — pause the sync; carries ``captcha_sid``, ``captcha_img``, ``redirect_uri``."""

    def __init__(
        self,
        *args: Any,
        captcha_sid: str | None = None,
        captcha_img: str | None = None,
        redirect_uri: str | None = None,
        **kw: Any,
    ):
        super().__init__(*args, **kw)
        self.captcha_sid = captcha_sid
        self.captcha_img = captcha_img
        self.redirect_uri = redirect_uri


class AccessDenied(VkError):
    """7, 15, 27, 203, 205: the token lacks rights, is a community token, or the user is not an admin."""


class RateLimit(VkError):
    """29: per-method quota reached — pause that method until a later run."""


class MarketDisabled(VkError):
    """1438 (market not enabled), 1525/1526 (market disabled): the community's Market is off."""


class ItemError(VkError):
    """A per-item problem (bad parameter, links, name, photo, missing item/album): record it and go on."""


class Unavailable(VkError):
    """HTTP 5xx, timeout or connection failure after the bounded retries (no VK error code)."""

    def __init__(
        self,
        msg: str,
        method: str = "",
        params: dict[str, Any] | None = None,
        *,
        http_status: int | None = None,
    ):
        super().__init__(None, msg, method, params, hint_ru="VK сейчас недоступен. Повторим позже.")
        self.http_status = http_status


class BadResponse(VkError):
    """VK answered something that is not a JSON envelope."""


_BY_CODE: dict[int, type[VkError]] = {
    3: UnknownMethod,
    5: TokenInvalid,
    6: TooManyRequests,
    9: Flood,
    1: ServerError,
    10: ServerError,
    36: ServerError,
    14: Captcha,
    7: AccessDenied,
    15: AccessDenied,
    27: AccessDenied,
    203: AccessDenied,
    205: AccessDenied,
    29: RateLimit,
    1438: MarketDisabled,
    1525: MarketDisabled,
    1526: MarketDisabled,
}
ITEM_ERROR_CODES = frozenset(
    {100, 113, 114, 121, 122, 129, 200, 1402, 1403, 1404, 1405, 1406, 1407, 1408, 1409, 1421, 1429}
    | set(range(1410, 1427))
    | {1433, 1434, 1435, 1446, 1518}
)


def error_class(code: int | None) -> type[VkError]:
    """The VkError subclass for an ``error_code``."""
    if code is None:
        return VkError
    if code in _BY_CODE:
        return _BY_CODE[code]
    return ItemError if code in ITEM_ERROR_CODES else VkError


def error_from_payload(
    error: dict[str, Any], method: str = "", params: dict[str, Any] | None = None
) -> VkError:
    """Build the typed error from VK's ``{"error_code", "error_msg", …}`` (or an execute_errors entry)."""
    try:
        code: int | None = int(error.get("error_code"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        code = None
    msg = str(error.get("error_msg") or "")
    method = str(error.get("method") or method)
    subcode = error.get("error_subcode")
    subcode = subcode if isinstance(subcode, int) else None
    cls = error_class(code)
    if cls is Captcha:
        return Captcha(
            code,
            msg,
            method,
            params,
            subcode=subcode,
            captcha_sid=_opt_str(error.get("captcha_sid")),
            captcha_img=_opt_str(error.get("captcha_img")),
            redirect_uri=_opt_str(error.get("redirect_uri")),
        )
    return cls(code, msg, method, params, subcode=subcode)


def _opt_str(value: Any) -> str | None:
    """``str(value)`` unless it is None/empty."""
    return None if value in (None, "") else str(value)
