"""What keeps a merchant's sync from running, said once: the full sentence with what to do (the status card
on /sync) and a few words every other place uses (the badge, the confirm hint, the run history).

See docs/ui.md, «/sync: one message per problem».
"""

from __future__ import annotations

from dataclasses import dataclass

from evosync.connections.errors import VK_TOKEN_REVOKED_RU
from evosync.connections.health import EVOTOR_REVOKED_RU, VK_CAPTCHA_RU, VK_MARKET_OFF_RU
from evosync.connections.models import Connection
from evosync.connections.oauth import vk_oauth_enabled
from evosync.rules import reasons as R
from evosync.sync.config.models import SyncSettings
from evosync.sync.engine import outcomes as O
from evosync.sync.engine.context import BROKEN_VK_RU

NOT_CONFIGURED_RU = f"{R.NOT_CONFIGURED} {R.NOT_CONFIGURED_TODO}"
SWITCHED_OFF_RU = "Синхронизация выключена."


@dataclass(frozen=True)
class Problem:
    """One reason the sync cannot run (or a warning), said in full once and briefly elsewhere."""

    key: str
    text: str  # the whole sentence: what happened and what to do
    brief: str  # a few words, lower case, no final stop
    action: str | None = None  # the link or button text
    endpoint: str | None = None  # where the action leads (a Flask endpoint) …
    url: str | None = None  # … or an outside address (VK), opened in a new tab
    # danger: a fault to fix (red); primary: a step not yet taken (blue); warning: a note or the merchant's
    # own choice (yellow). Whether the sync can run is readiness()'s business, not the colour's.
    level: str = "danger"


BRIEF = {
    "vk_token": "доступ ВКонтакте отозван",
    "evotor_token": "токен Эвотора не работает",
    "market_off": "в сообществе выключены «Товары»",
    "captcha": "ВКонтакте просит капчу",
    "vk_access": "нет доступа к товарам сообщества",
    "not_configured": "не настроено: в каталоге ничего не выбрано",
    "switched_off": "синхронизация выключена",
}


def not_configured() -> Problem:
    # A new shop's first step, not a fault: blue, not red.
    return Problem(
        "not_configured",
        NOT_CONFIGURED_RU,
        BRIEF["not_configured"],
        "Открыть каталог",
        "catalog.index",
        level="primary",
    )


def switched_off() -> Problem:
    text = "Синхронизация выключена: товары во ВКонтакте не обновляются. Включите её переключателем выше."
    # The merchant's own choice, not a fault: said in yellow, with the badge grey (Status.tone).
    return Problem("switched_off", text, BRIEF["switched_off"], level="warning")


def _community_url(vk: Connection) -> str:
    return "https://vk.com/" + (vk.vk_group_screen_name or f"club{abs(vk.vk_group_id)}")


def market_off(vk: Connection) -> Problem:
    name = f"«{vk.vk_group_name}»" if vk.vk_group_name else "ВКонтакте"
    text = (
        f"В сообществе {name} выключен раздел «Товары», поэтому выгружать товары некуда. Включите его "
        "во ВКонтакте: сообщество → «Управление» → «Разделы» → «Товары» → «Включены», сохраните "
        "и нажмите здесь «Синхронизировать сейчас»."
    )
    return Problem(
        "market_off", text, BRIEF["market_off"], "Открыть сообщество во ВКонтакте", url=_community_url(vk)
    )


def captcha() -> Problem:
    text = (
        "ВКонтакте попросил ввести капчу, и синхронизация приостановлена. Откройте vk.com, подтвердите, "
        "что вы не робот, и нажмите здесь «Синхронизировать сейчас»."
    )
    return Problem("captcha", text, BRIEF["captcha"], "Открыть ВКонтакте", url="https://vk.com/")


def _vk_revoked() -> Problem:
    text = (
        "Доступ EvoSync к ВКонтакте отозван или истёк, поэтому товары в сообществе не обновляются. "
        "Подключите ВКонтакте заново — правила и настройки сохранятся."
    )
    endpoint = "connections.vk_connect" if vk_oauth_enabled() else "connections.index"
    return Problem("vk_token", text, BRIEF["vk_token"], "Подключить ВКонтакте заново", endpoint)


def _evotor_revoked() -> Problem:
    text = (
        "Эвотор не принимает токен EvoSync (его отозвали или он истёк), поэтому каталог не обновляется. "
        "Вставьте новый токен облака Эвотора на странице «Подключения» — там сказано, где его найти."
    )
    return Problem("evotor_token", text, BRIEF["evotor_token"], "Обновить токен Эвотора", "connections.index")


def _missing(provider: str) -> Problem:
    if provider == "evotor":
        text = "Эвотор не подключён: без него неизвестно, какие товары выгружать. Подключите его на странице «Подключения»."
        return Problem(
            "evotor_missing", text, "Эвотор не подключён", "Подключить Эвотор", "connections.index"
        )
    text = "ВКонтакте не подключён: выгружать товары некуда. Войдите через VK ID на странице «Подключения»."
    return Problem("vk_missing", text, "ВКонтакте не подключён", "Подключить ВКонтакте", "connections.index")


def _broken(connection: Connection) -> Problem:
    """A connection whose last check failed, by the check's reason code."""
    vk = connection.provider == "vk"
    code = connection.reason_code
    if code == "token_revoked":
        return _vk_revoked() if vk else _evotor_revoked()
    if vk and code == "captcha":
        return captcha()
    if vk and code == "market_off":
        return market_off(connection)
    name = "ВКонтакте" if vk else "Эвотору"
    if connection.status in ("unknown", "checking"):
        text = f"Подключение к {name} ещё не проверено — проверка идёт на странице «Подключения»."
        return Problem(
            f"{connection.provider}_unchecked",
            text,
            f"подключение к {name} не проверено",
            "Открыть подключения",
            "connections.index",
            level="warning",
        )
    detail = f" {connection.message}" if connection.message else ""
    brief = {
        "not_admin": "вы не администратор сообщества",
        "rights_missing": "не хватает прав",
        "access_denied": BRIEF["vk_access"],
    }.get(code or "", f"подключение к {name} не работает")
    text = f"Подключение к {name} не работает.{detail}"
    return Problem(f"{connection.provider}_broken", text, brief, "Открыть подключения", "connections.index")


def connection_problems(connections: dict[str, Connection]) -> list[Problem]:
    """Evotor, then VK, then the community and its Market: each problem the connections have, once."""
    out: list[Problem] = []
    for provider in ("evotor", "vk"):
        connection = connections.get(provider)
        if connection is None:
            out.append(_missing(provider))
        elif not connection.works:
            out.append(_broken(connection))
    vk = connections.get("vk")
    if vk is None or any(p.key.startswith("vk_") or p.key in ("captcha", "market_off") for p in out):
        return out
    if vk.vk_group_id is None:
        text = "Не выбрано сообщество ВКонтакте: выберите, в «Товары» какого сообщества выгружать товары."
        out.append(
            Problem(
                "no_community",
                text,
                "не выбрано сообщество",
                "Выбрать сообщество",
                "connections.vk_community",
            )
        )
    elif vk.vk_market_enabled is False:
        out.append(market_off(vk))
    return out


def pause_problem(settings: SyncSettings, connections: dict[str, Connection]) -> Problem:
    """A pause the engine left that the connections do not explain (captcha, Market off, anything else)."""
    vk = connections.get("vk")
    if settings.paused_code == "captcha":
        return captcha()
    if settings.paused_code == "market_off" and vk is not None and vk.vk_group_id is not None:
        return market_off(vk)
    text = settings.paused_reason or "Синхронизация приостановлена."
    return Problem("paused", text, brief_of(text), "Открыть подключения", "connections.index")


# A run's message (docs/ui.md): the full sentences the engine stores, by the brief the history shows.
_RUN_BRIEFS = {
    BROKEN_VK_RU: BRIEF["vk_token"],
    VK_TOKEN_REVOKED_RU: BRIEF["vk_token"],
    EVOTOR_REVOKED_RU: BRIEF["evotor_token"],
    O.MARKET_OFF_RU: BRIEF["market_off"],
    VK_MARKET_OFF_RU: BRIEF["market_off"],
    O.CAPTCHA_RU: BRIEF["captcha"],
    VK_CAPTCHA_RU: BRIEF["captcha"],
    O.ACCESS_RU: BRIEF["vk_access"],
    NOT_CONFIGURED_RU: BRIEF["not_configured"],
    SWITCHED_OFF_RU: BRIEF["switched_off"],
}
_PREFIX_BRIEFS = (
    (O.FLOOD_RU.split("(")[0].strip(), "ВКонтакте ограничил частые действия, продолжим в следующий раз"),
    (O.HELD_RU.split("{")[0].strip(), "снятие товаров ждёт вашего подтверждения"),
    (O.STOPPED_RU, "остановлена: синхронизацию выключили"),
)


def brief_of(message: str | None) -> str:
    """The few words a run history row shows for a run's stored message (the message itself when unknown)."""
    text = (message or "").strip()
    text = text.removeprefix("Приостановлена:").strip()
    if text in _RUN_BRIEFS:
        return _RUN_BRIEFS[text]
    for prefix, brief in _PREFIX_BRIEFS:
        if text.startswith(prefix):
            return brief
    return text


def is_pause_reason(message: str | None) -> bool:
    """Whether a run's message is a reason the status card explains (so the last-run line stays brief)."""
    text = (message or "").strip().removeprefix("Приостановлена:").strip()
    return text in _RUN_BRIEFS
