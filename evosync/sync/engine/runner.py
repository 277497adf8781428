"""Run the sync for one user (under the lease) or for every ready user (isolated from each other).

A run: lease → run row → connection checks (a failing one → «пропущен», no sync calls) → catalog refresh
from Evotor (a cron run skips it when the cron tick's own refresh is under ``SYNC_CATALOG_MAX_AGE`` old) → reconcile with VK by sku → plan → apply in batches, committing each → final status. The error
policy (docs/sync.md) lives in ``outcomes``; this module only sequences the steps.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from evosync.catalog import queries as catalog_queries
from evosync.catalog.decisions import load_snapshot
from evosync.catalog.refresh import refresh_catalog
from evosync.connections.clients import RefreshingVk, evotor_client_for
from evosync.connections.health import check_connection
from evosync.connections.queries import get_connection
from evosync.db import as_utc, utcnow
from evosync.extensions import db
from evosync.rules.models import SyncConfig
from evosync.sync.config import service as config_service
from evosync.sync.engine import guard, outcomes, source
from evosync.sync.engine import lease as leases
from evosync.sync.engine.applier import Applier
from evosync.sync.engine.context import RunContext
from evosync.sync.engine.lease import host_name
from evosync.sync.engine.outcomes import Outcome
from evosync.sync.engine.photos import Photos, usable_placeholder
from evosync.sync.engine.reconcile import reconcile_albums, reconcile_items
from evosync.sync.runs.models import SyncRun, SyncRunError

log = logging.getLogger(__name__)

DEFAULT_CATALOG_MAX_AGE = 300  # seconds; a cron run reuses a catalog refreshed this recently
Progress = Callable[[str, "int | None"], None]


def ready_user_ids() -> list[int]:
    """Users whose sync is enabled, confirmed and configured (``config_service.setup_problem``).

    Connection health and pauses are left to each run: it checks the connections live and records why it
    was skipped, which a stored health verdict from the last check could not.
    """
    candidates = db.session.scalars(
        select(SyncConfig.user_id)
        .where(SyncConfig.is_enabled.is_(True), SyncConfig.confirmed_at.is_not(None))
        .order_by(SyncConfig.user_id)
    )
    return [user_id for user_id in candidates.all() if config_service.setup_problem(user_id) is None]


def _category(ctx: RunContext) -> int | None:
    settings = source.user_settings(ctx.user_id)
    if settings is not None and settings.vk_category_id:
        return settings.vk_category_id
    if current_app.config.get("VK_DEFAULT_CATEGORY_ID"):
        return int(current_app.config["VK_DEFAULT_CATEGORY_ID"])
    for top in ctx.vk(lambda c: c.market_get_categories()):
        leaves = [c for c in top.walk() if not c.children]
        if leaves:
            return leaves[0].id
    return None


def _catalog_fresh(user_id: int) -> bool:
    """Whether the cached catalog was refreshed within config ``SYNC_CATALOG_MAX_AGE`` seconds (0: never)."""
    max_age = int(current_app.config.get("SYNC_CATALOG_MAX_AGE", DEFAULT_CATALOG_MAX_AGE))
    state = catalog_queries.catalog_state(user_id)
    refreshed = as_utc(state.refreshed_at) if state is not None else None
    return max_age > 0 and refreshed is not None and utcnow() - refreshed < timedelta(seconds=max_age)


def _check_connections(user_id: int, run: SyncRun) -> str | None:
    """Check Evotor and VK; the Russian reason when one fails (the run is then skipped)."""
    for provider, name, to in (("evotor", "Эвотор", "Эвотору"), ("vk", "ВКонтакте", "ВКонтакте")):
        connection = get_connection(user_id, provider)
        if connection is None:
            return f"{name} не подключён — подключите его на странице «Подключения»."
        verdict = check_connection(connection)
        db.session.commit()
        if verdict.status == "error":
            return verdict.message or f"Подключение к {to} не работает."
    if get_connection(user_id, "vk").vk_group_id is None:
        return "Не выбрано сообщество ВКонтакте — выберите его на странице «Подключения»."
    return None


def _sync(
    user_id: int, run: SyncRun, lease: leases.Lease, only: set[str] | None, progress: Progress | None
) -> None:
    """The body of a run once the lease is held and the run row exists."""
    enabled = db.session.scalar(select(SyncConfig.is_enabled).where(SyncConfig.user_id == user_id))
    if not enabled:
        outcomes.skip(user_id, run, "Синхронизация выключена.", keep_pause=True)
        return
    if not config_service.is_configured(load_snapshot(user_id)):
        # No rules would sync the whole catalog: never do that for a merchant who reset them.
        outcomes.skip(user_id, run, config_service.NOT_CONFIGURED_RU, keep_pause=True)
        return
    reason = _check_connections(user_id, run)
    if reason is not None:
        outcomes.skip(user_id, run, reason)
        return
    connection = get_connection(user_id, "vk")
    group_id = abs(connection.vk_group_id)
    evotor = evotor_client_for(user_id)
    ctx = RunContext(user_id, group_id, connection, RefreshingVk(connection), run, lease, progress)
    if run.trigger == "cron" and _catalog_fresh(user_id):
        # bin/evosync-cron refreshed every catalog moments ago: fetching it again would double Evotor traffic.
        ctx.checkpoint("Каталог Эвотора обновлён недавно — используем его.", 0)
    else:
        ctx.checkpoint("Обновляем каталог из Эвотора…", 0)
        # The refresh of a large catalog takes a while: every chunk it reports commits and renews the lease.
        refresh_catalog(user_id, evotor, lambda text, percent: ctx.checkpoint(text, 0))
    ctx.checkpoint("Сверяем товары во ВКонтакте…", 0)
    reconciled = ctx.vk(lambda c: reconcile_items(c, user_id, group_id, ctx.commit))
    ctx.vk(lambda c: reconcile_albums(c, user_id, group_id))
    ctx.checkpoint("Составляем план…", 0)
    inputs = source.load_inputs(user_id, group_id, _category(ctx))
    plan = inputs.plan(only)
    held = guard.hold_removals(user_id, group_id, plan)
    products = {p.id: p for p in inputs.products}
    photos = Photos(evotor, usable_placeholder(source.user_settings(user_id)))
    Applier(ctx, photos, products).apply(plan, inputs.albums, reconciled.duplicates)
    outcomes.finish(run, ctx, held)


def run_user(
    user_id: int,
    trigger: str = "cron",
    only: set[str] | None = None,
    progress: Progress | None = None,
) -> Outcome:
    """Sync one user now, in this thread; ``busy`` when another process holds the user's lease."""
    lease = leases.claim(user_id)
    if lease is None:
        return Outcome(user_id, "busy", None, "занято: синхронизация уже выполняется")
    started = time.monotonic()
    run = SyncRun(user_id=user_id, trigger=trigger, owner=lease.owner, host=host_name())
    db.session.add(run)
    db.session.flush()
    leases.renew(lease, run.id)
    db.session.commit()
    try:
        if outcomes.paused_for(user_id, trigger, run):
            return outcomes.outcome(run)
        _sync(user_id, run, lease, only, progress)
    except leases.LeaseLost:
        db.session.rollback()
        log.warning("user %s: sync lease lost, run %s stopped", user_id, run.id)
        return Outcome(user_id, "failed", run.id, "ошибка: блокировка перехвачена другим процессом")
    except Exception as exc:
        db.session.rollback()
        outcomes.fail(user_id, run.id, exc)
    finally:
        if db.session.is_active:
            db.session.rollback()
        run = db.session.get(SyncRun, run.id, populate_existing=True)
        if run is not None:
            run.duration_ms = int((time.monotonic() - started) * 1000)
            run.finished_at = run.finished_at or utcnow()
            db.session.commit()
        leases.release(lease)
    return outcomes.outcome(run)


def check_manual_start(user_id: int) -> None:
    """ConfigRefused (with the Russian reason) when the rules select nothing to sync: no run is queued."""
    if not config_service.is_configured(load_snapshot(user_id)):
        raise config_service.ConfigRefused(config_service.NOT_CONFIGURED_RU)


def manual_job(user_id: int, only: set[str] | None = None, retry_error_ids=()) -> Callable[[Progress], str]:
    """The work of a «Синхронизировать сейчас» job row (run by a worker, see evosync/tasks/sync.py).

    ``retry_error_ids`` (the «Повторить» errors) are marked retried only once a run got through its plan, so
    a busy, skipped or failed run leaves them listed with their buttons.
    """
    error_ids = list(retry_error_ids)

    def job(progress: Progress) -> str:
        outcome = run_user(user_id, "manual", only=only)
        if outcome.status == "busy":
            return "Синхронизация уже выполняется."
        if error_ids and outcome.status in ("succeeded", "partial"):
            _mark_retried(user_id, error_ids)
            db.session.commit()
        return outcome.line

    return job


def _mark_retried(user_id: int, error_ids: list[int]) -> None:
    """Stamp the retried item errors so /sync stops listing them (flush only)."""
    db.session.execute(
        update(SyncRunError)
        .where(
            SyncRunError.user_id == user_id, SyncRunError.id.in_(error_ids), SyncRunError.retried_at.is_(None)
        )
        .values(retried_at=utcnow())
    )
