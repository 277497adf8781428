"""The sync configuration: master switch, confirmation, readiness and the status shown on /sync.

Services flush; the caller (a view or a CLI command) commits. Nothing here reads ``request`` or
``current_user``: every function takes the user id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import select

from evosync.auth.service import UNCONFIRMED_RU, sync_blocker
from evosync.catalog import queries as catalog_queries
from evosync.catalog.decisions import Snapshot, load_snapshot
from evosync.connections.models import Connection
from evosync.connections.queries import connections_by_provider
from evosync.db import as_utc, utcnow
from evosync.extensions import db
from evosync.refusals import Refusal
from evosync.rules import queries as rules_queries
from evosync.rules.models import SyncConfig, SyncFilter
from evosync.rules.service import get_or_create_config
from evosync.sync.config import problems
from evosync.sync.config.models import SyncSettings, ensure_settings
from evosync.sync.config.problems import NOT_CONFIGURED_RU, Problem
from evosync.sync.engine.outcomes import CONNECTION_PAUSES

PROVIDER_NAMES = {"evotor": "Эвотор", "vk": "ВКонтакте"}
# «подключение к …»: the dative («ВКонтакте» does not decline).
PROVIDER_TO = {"evotor": "Эвотору", "vk": "ВКонтакте"}
TYPE_NAMES = {"store": "магазин", "group": "группа", "product": "товар"}
MODE_NAMES = {"include": "включён", "exclude": "исключён"}
UNCONFIRMED_SWITCH_RU = (
    "Сначала подтвердите почту: откройте ссылку из письма, которое мы отправили при регистрации. "
    "Отправить письмо ещё раз можно на странице «Аккаунт»."
)


class ConfigRefused(Refusal):
    """An action the current state does not allow; ``message_ru`` says why (nothing was changed)."""


def get_config(user_id: int) -> SyncConfig | None:
    """The user's sync config row, or None."""
    return rules_queries.sync_config(user_id)


def get_settings(user_id: int) -> SyncSettings | None:
    """The user's sync settings row, or None (defaults apply)."""
    return db.session.scalar(select(SyncSettings).where(SyncSettings.user_id == user_id))


def get_or_create_settings(user_id: int) -> SyncSettings:
    """The user's sync settings, created with the defaults when missing (race-free: ``ensure_settings``)."""
    return ensure_settings(user_id)


def _rule_count(user_id: int) -> int:
    return len(rules_queries.rules(user_id))


def toggle(user_id: int) -> bool:
    """Flip the master switch and return the new state; ConfigRefused when it may not be switched on."""
    config = get_or_create_config(user_id)
    if not config.is_enabled and sync_blocker(user_id) == UNCONFIRMED_RU:
        raise ConfigRefused(UNCONFIRMED_SWITCH_RU)
    if not config.is_enabled and config.confirmed_at is None and _rule_count(user_id) == 0:
        raise ConfigRefused(
            "Сначала настройте фильтры: выберите в каталоге магазины, группы или товары для ВКонтакте."
        )
    config.is_enabled = not config.is_enabled
    config.updated_at = utcnow()
    db.session.flush()
    return config.is_enabled


def _broken(connections: dict[str, Connection]) -> str | None:
    """Russian reason why the connections cannot be used for a sync, or None."""
    for provider in ("evotor", "vk"):
        connection = connections.get(provider)
        if connection is None:
            return f"{PROVIDER_NAMES[provider]} не подключён"
        if not connection.works:
            detail = f": {connection.message}" if connection.message else ""
            state = "ещё не проверено" if connection.status in ("unknown", "checking") else "не работает"
            return f"подключение к {PROVIDER_TO[provider]} {state}{detail}"
    if connections["vk"].vk_group_id is None:
        return "не выбрано сообщество ВКонтакте"
    return None


def _stores_syncing(snapshot: Snapshot) -> int:
    return sum(1 for s in snapshot.stores if snapshot.resolver.store(s.evotor_id).syncs)


def is_configured(snapshot: Snapshot) -> bool:
    """Whether the rules say what to sync: at least one rule and at least one store that syncs.

    With no rules the filters would pass the whole catalog, so «no rules» counts as not configured (the page's
    «Не настроено»). The page, the readiness the CLI prints and the runner's choice of users all ask this.
    """
    return bool(snapshot.rules) and _stores_syncing(snapshot) > 0


def setup_problem(user_id: int, snapshot: Snapshot | None = None) -> str | None:
    """Russian reason why the merchant's own setup keeps the user from syncing (switch, confirmation, rules).

    Connection health and pauses are not looked at: a run checks the connections live itself.
    """
    blocker = sync_blocker(user_id)
    if blocker:
        return blocker
    config = get_config(user_id)
    if config is None or not config.is_enabled:
        return "синхронизация выключена"
    if config.confirmed_at is None:
        return "настройки не подтверждены"
    if not is_configured(snapshot or load_snapshot(user_id)):
        return NOT_CONFIGURED_RU
    return None


def confirm(user_id: int) -> SyncConfig:
    """Set ``confirmed_at`` (and clear a pause) when the switch is on, a store syncs and both connections work."""
    config = get_or_create_config(user_id)
    if not config.is_enabled:
        raise ConfigRefused("Сначала включите синхронизацию.")
    snapshot = load_snapshot(user_id)
    if not is_configured(snapshot):
        raise ConfigRefused(NOT_CONFIGURED_RU)
    problem = _broken(connections_by_provider(user_id))
    if problem:
        raise ConfigRefused(f"Нельзя подтвердить: {problem.rstrip('.')}.")
    now = utcnow()
    config.confirmed_at = now
    config.updated_at = now
    settings = get_or_create_settings(user_id)
    settings.confirmed_rules = json.dumps(_rule_snapshot(snapshot.rules), ensure_ascii=False)
    # The merchant has looked at a working setup and asked to go: lift a pause the engine left.
    settings.paused_code = settings.paused_reason = settings.paused_at = None
    db.session.flush()
    return config


def _pause(settings: SyncSettings | None, connections: dict[str, Connection]) -> str | None:
    """The Russian reason of a pause that still holds, or None.

    A pause the engine left for a connection problem (``outcomes.CONNECTION_PAUSES``) is over once both
    connections work again (the merchant reconnected; Market back on for ``market_off``); a captcha pause
    waits for the merchant's manual run or confirmation.
    """
    if settings is None or not settings.is_paused:
        return None
    if settings.paused_code in CONNECTION_PAUSES and _broken(connections) is None:
        market_off = settings.paused_code == "market_off" and connections["vk"].vk_market_enabled is False
        if not market_off:
            return None
    return settings.paused_reason or "синхронизация приостановлена"


def readiness(user_id: int) -> tuple[bool, str]:
    """(ready, Russian reason): enabled, confirmed, configured, both connections work, community chosen,
    not paused."""
    problem = setup_problem(user_id)
    if problem:
        return False, problem
    connections = connections_by_provider(user_id)
    problem = _broken(connections)
    if problem:
        return False, problem
    paused = _pause(get_settings(user_id), connections)
    if paused:
        return False, paused
    return True, "готова к синхронизации"


def is_ready(user_id: int) -> bool:
    """Whether cron and `flask sync run` should sync this user now."""
    return readiness(user_id)[0]


@dataclass
class Status:
    """What /sync shows: one of the four statuses, the switch, the problems (each said once, in full, in
    the status card) and whether confirm is possible (with a brief why not)."""

    code: str  # not_configured | pending | active | paused
    label: str
    enabled: bool
    confirmed_at: object
    can_confirm: bool
    confirm_hint: str | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def tone(self) -> str:
        """The badge's colour: «Приостановлена» is red only for a fault to fix, grey when merely switched off."""
        if self.code == "paused" and not any(p.level == "danger" for p in self.problems):
            return "secondary"
        return _TONES[self.code]


_TONES = {"not_configured": "secondary", "pending": "warning", "active": "success", "paused": "danger"}


def _problems(
    user_id: int, settings: SyncSettings | None, connections: dict[str, Connection], configured: bool
) -> list[Problem]:
    """Every reason the sync cannot run, once each: rules, connections, then a pause they do not explain."""
    out = _account_problems(user_id)
    if not configured:
        out.append(problems.not_configured())
    found = problems.connection_problems(connections)
    out += found
    if _pause(settings, connections) and not any(p.level == "danger" for p in found):
        out.append(problems.pause_problem(settings, connections))
    return out


def _catalog_problem(user_id: int, connections: dict[str, Connection]) -> list[Problem]:
    if connections.get("evotor") is None or catalog_queries.catalog_state(user_id) is not None:
        return []
    text = "Каталог Эвотора ещё не загружен."
    return [
        Problem(
            "no_catalog", text, "каталог не загружен", "Обновить каталог", "catalog.index", level="warning"
        )
    ]


def _label(configured: bool, paused: bool, enabled: bool, confirmed: bool, broken: bool) -> tuple[str, str]:
    if not configured:
        return "not_configured", "Не настроено"
    if paused or (confirmed and (broken or not enabled)):
        return "paused", "Приостановлена"
    if enabled and confirmed:
        return "active", "Активна"
    return "pending", "Настроено, ожидает подтверждения"


def status(user_id: int, snapshot: Snapshot | None = None) -> Status:
    """Compute the page status from the config, rules, catalog decisions, connections and pause state."""
    snapshot = snapshot or load_snapshot(user_id)
    config = get_config(user_id)
    settings = get_settings(user_id)
    connections = connections_by_provider(user_id)
    enabled = bool(config and config.is_enabled)
    confirmed_at = as_utc(config.confirmed_at) if config else None
    configured = is_configured(snapshot)
    broken = _broken(connections) is not None
    found = _problems(user_id, settings, connections, configured)
    if configured and confirmed_at and not enabled:
        found.append(problems.switched_off())
    code, label = _label(configured, bool(_pause(settings, connections)), enabled, bool(confirmed_at), broken)
    hint = None
    if not enabled:
        hint = "Включите синхронизацию переключателем выше."
    elif not configured:
        hint = f"Нельзя подтвердить: {problems.BRIEF['not_configured']}."
    elif broken:
        first = next((p for p in found if p.key != "account"), None)
        hint = f"Нельзя подтвердить: {first.brief if first else 'подключения не работают'}."
    return Status(
        code=code,
        label=label,
        enabled=enabled,
        confirmed_at=confirmed_at,
        can_confirm=hint is None,
        confirm_hint=hint,
        problems=found + _catalog_problem(user_id, connections),
    )


def _account_problems(user_id: int) -> list[Problem]:
    if sync_blocker(user_id) != UNCONFIRMED_RU:
        return []
    text = "Почта не подтверждена — включить синхронизацию можно после перехода по ссылке из письма."
    return [
        Problem(
            "account",
            text,
            "почта не подтверждена",
            "Отправить письмо ещё раз",
            "account.account",
            level="warning",
        )
    ]


def _rule_snapshot(rules: list[SyncFilter]) -> list[list[str]]:
    return [[r.entity_type, r.entity_id, r.filter_mode, r.entity_name] for r in rules]


def changes_since_confirmation(user_id: int, rules: list[SyncFilter]) -> list[str] | None:
    """Russian lines describing rule changes made after the confirmation, or None if nothing changed."""
    config = get_config(user_id)
    settings = get_settings(user_id)
    if config is None or config.confirmed_at is None or settings is None:
        return None
    changed_at = as_utc(rules_queries.rules_changed_at(user_id))
    if changed_at is None or changed_at <= as_utc(config.confirmed_at):
        return None
    before = {(t, i): (m, n) for t, i, m, n in json.loads(settings.confirmed_rules or "[]")}
    now = {(r.entity_type, r.entity_id): (r.filter_mode, r.entity_name) for r in rules}
    lines: list[str] = []
    for key, (mode, name) in now.items():
        old = before.get(key)
        label = f"{TYPE_NAMES[key[0]]} «{name}»"
        if old is None:
            lines.append(f"добавлено правило: {label} — {MODE_NAMES[mode]}")
        elif old[0] != mode:
            lines.append(f"изменено правило: {label} — теперь {MODE_NAMES[mode]}")
    for key, (mode, name) in before.items():
        if key not in now:
            lines.append(f"удалено правило: {TYPE_NAMES[key[0]]} «{name}» ({MODE_NAMES[mode]})")
    return lines or ["правила менялись, но итог совпадает с подтверждённым"]


def set_removal_threshold(user_id: int, raw: str | None) -> None:
    """Store the mass-removal threshold in percent (1–100); ConfigRefused with a Russian reason if bad."""
    raw = (raw or "").strip().rstrip("%").strip()
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 100:
        raise ConfigRefused("Укажите порог целым числом от 1 до 100 (процентов).")
    get_or_create_settings(user_id).removal_threshold_percent = int(raw)
    db.session.flush()
