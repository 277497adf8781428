"""How a run ends — the error policy of docs/sync.md in one place — and the user's pause state.

- 9 (flood) / 29 (rate limit) → stop the run, keep what was done, «частично», resume next run;
- 14 (captcha) → pause the user's sync until they act (the pause shows on /sync and /connections);
- 5 → one refresh already happened in ``RunContext.vk``; a second 5 marks the connection broken + pause;
- 6, 10, 5xx, timeouts → retried by the VK client with growing backoff; still failing → «ошибка»;
- Market switched off → pause with the reason; per-item errors → «частично»; switch turned off → stop.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select

from evosync.connections.queries import get_connection
from evosync.connections.tokens import mark_broken
from evosync.db import utcnow
from evosync.extensions import db
from evosync.notifications.service import notify
from evosync.notifications.triggers import run_failed
from evosync.sync.config.models import SyncSettings, ensure_settings
from evosync.sync.engine.context import RunContext, SyncStopped, TokenBroken
from evosync.sync.runs.models import SyncRun
from evosync.vk.errors import AccessDenied, Captcha, Flood, MarketDisabled, RateLimit, VkError

log = logging.getLogger(__name__)

CAPTCHA_RU = (
    "ВКонтакте попросил ввести капчу. Откройте vk.com, подтвердите, что вы не робот, "
    "и нажмите «Синхронизировать сейчас» — синхронизация приостановлена до этого."
)
FLOOD_RU = "ВКонтакте временно ограничил частые действия (ошибка {code}). Сделанное сохранено, продолжим при следующем запуске."
STOPPED_RU = "Синхронизация выключена во время работы — остановлена после текущей пачки."
MARKET_OFF_RU = "В сообществе выключены «Товары» — включите их в настройках сообщества VK."
ACCESS_RU = "ВКонтакте запретил доступ к товарам сообщества — проверьте права администратора."
INTERNAL_RU = "Внутренняя ошибка синхронизации. Попробуйте позже."
# Pauses a successful connection check lifts by itself; a captcha waits for the merchant.
CONNECTION_PAUSES = ("connection", "vk_token", "market_off", "vk_access")


MANUAL_KIND = "sync_manual"  # the job kind of «Синхронизировать сейчас»


@dataclass
class Outcome:
    """How one user's run ended: ``status`` (a run status or ``busy``), the run id and a summary line."""

    user_id: int
    status: str
    run_id: int | None
    line: str

    @property
    def failed(self) -> bool:
        """True when the run failed (what makes ``flask sync run`` exit non-zero)."""
        return self.status == "failed"


def pause(user_id: int, code: str, reason: str) -> None:
    """Pause the user's sync with a reason (flush only)."""
    settings = ensure_settings(user_id)
    settings.paused_code, settings.paused_reason, settings.paused_at = code, reason[:500], utcnow()
    db.session.flush()


def unpause(user_id: int) -> None:
    """Clear the pause (flush only)."""
    settings = db.session.scalar(select(SyncSettings).where(SyncSettings.user_id == user_id))
    if settings is not None and settings.paused_code is not None:
        settings.paused_code = settings.paused_reason = settings.paused_at = None
        db.session.flush()


def paused_for(user_id: int, trigger: str, run: SyncRun) -> bool:
    """A cron run of a captcha-paused user is skipped; a manual run is the merchant acting, so it resumes."""
    settings = db.session.scalar(select(SyncSettings).where(SyncSettings.user_id == user_id))
    if settings is None or settings.paused_code != "captcha" or trigger == "manual":
        return False
    skip(user_id, run, f"Приостановлена: {settings.paused_reason or CAPTCHA_RU}", keep_pause=True)
    return True


def skip(user_id: int, run: SyncRun, reason: str, keep_pause: bool = False) -> None:
    """End a run as «пропущен» before any sync call (commits)."""
    run.status, run.message, run.finished_at = "skipped", reason[:1000], utcnow()
    if not keep_pause:
        pause(user_id, "connection", reason)
    db.session.commit()


def finish(run: SyncRun, ctx: RunContext) -> None:
    """A run that got through its plan: succeeded, or partial with per-item errors (commits)."""
    run.vk_calls = ctx.requests
    run.status = "partial" if run.failed else "succeeded"
    run.message = f"Ошибок по товарам: {run.failed}." if run.failed else None
    run.progress_text, run.progress_percent, run.finished_at = "Готово", 100, utcnow()
    unpause(run.user_id)
    ctx.commit()


def fail(user_id: int, run_id: int, exc: BaseException) -> None:
    """Record how a run stopped early, applying the pause rules (commits)."""
    run = db.session.get(SyncRun, run_id, populate_existing=True)
    status, message = "failed", INTERNAL_RU
    if isinstance(exc, (Flood, RateLimit)):
        status, message = "partial", FLOOD_RU.format(code=exc.code)
    elif isinstance(exc, SyncStopped):
        status, message = "partial", STOPPED_RU
    elif isinstance(exc, Captcha):
        message = CAPTCHA_RU
        pause(user_id, "captcha", CAPTCHA_RU)
        notify(user_id, "captcha")
        connection = get_connection(user_id, "vk")
        if connection is not None:
            mark_broken(connection, "captcha", CAPTCHA_RU)
    elif isinstance(exc, TokenBroken):
        message = str(exc)
        pause(user_id, "vk_token", message)
    elif isinstance(exc, MarketDisabled):
        message = MARKET_OFF_RU
        pause(user_id, "market_off", message)
    elif isinstance(exc, AccessDenied):
        message = ACCESS_RU
        pause(user_id, "vk_access", message)
    elif isinstance(exc, VkError):
        message = exc.hint_ru
    else:
        message = getattr(exc, "message_ru", None) or INTERNAL_RU
        if message == INTERNAL_RU:
            log.exception("sync run %s of user %s failed", run_id, user_id, exc_info=exc)
    if run is not None:
        run.status, run.message, run.finished_at = status, message[:1000], utcnow()
        if status == "failed":
            run_failed(user_id)
    db.session.commit()


def outcome(run: SyncRun | None) -> Outcome:
    """The one-line summary of a finished run."""
    if run is None:  # pragma: no cover - the row is created before anything can fail
        return Outcome(0, "failed", None, "ошибка")
    counts = (
        f"создано {run.created}, обновлено {run.updated}, скрыто {run.hidden}, удалено {run.deleted}, "
        f"без изменений {run.unchanged}, пропущено {run.skipped}, ошибок {run.failed}, запросов VK {run.vk_calls}"
    )
    line = f"{run.status_ru}: {counts}"
    if run.status == "skipped" or (run.message and run.status != "succeeded"):
        line = f"{run.status_ru}: {run.message}" + ("" if run.status == "skipped" else f" ({counts})")
    return Outcome(run.user_id, run.status, run.id, line)
