"""Read-only lookups for the runs part of /sync: recent runs, the running one, item errors, the chart."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, or_, select

from evosync.catalog.models import CatalogProduct, CatalogState
from evosync.db import as_utc, utcnow
from evosync.extensions import db
from evosync.jobs.models import QUEUED, RUNNING, Job
from evosync.sync.engine import lease
from evosync.sync.engine.outcomes import MANUAL_KIND
from evosync.sync.runs.models import SyncRun, SyncRunError

CHART_RUNS = 20
CHART_W, CHART_H, BAR_GAP = 320, 80, 2
STATUS_COLOURS = {
    "succeeded": "#198754",
    "partial": "#fd7e14",
    "failed": "#dc3545",
    "skipped": "#6c757d",
    "held": "#fd7e14",
    "running": "#0d6efd",
}


@dataclass(frozen=True)
class Bar:
    """One run in the SVG chart."""

    x: int
    y: int
    width: int
    height: int
    colour: str
    title: str


def recent_runs(user_id: int, limit: int = 10) -> list[SyncRun]:
    """The user's latest runs, newest first."""
    return list(
        db.session.scalars(
            select(SyncRun).where(SyncRun.user_id == user_id).order_by(SyncRun.id.desc()).limit(limit)
        )
    )


def running(user_id: int) -> SyncRun | Job | None:
    """The user's run in progress, or the manual-sync job that is about to start one (or waits for a worker).

    Only live work counts: a run row still marked running whose lease is free, expired or held for another
    run, or a job whose lease expired, belongs to a process that died — showing it would leave /sync saying
    «Синхронизация выполняется…» for ever.
    """
    held = lease.holder(user_id)
    if held is not None and held.run_id is not None:
        run = db.session.scalar(
            select(SyncRun).where(
                SyncRun.id == held.run_id, SyncRun.user_id == user_id, SyncRun.status == "running"
            )
        )
        if run is not None:
            return run
    job = db.session.scalar(
        select(Job)
        .where(Job.user_id == user_id, Job.kind == MANUAL_KIND, Job.status.in_((QUEUED, RUNNING)))
        .order_by(Job.id.desc())
        .limit(1)
    )
    if job is not None and as_utc(job.lease_expires_at) >= utcnow():
        return job
    return None


def open_errors(user_id: int) -> list[SyncRunError]:
    """Item errors of the user's latest run that had any, not yet retried — except those of products that a
    catalog refresh after the error found deleted in Evotor (that error is over: the next run hides the item)."""
    run_id = db.session.scalar(
        select(SyncRunError.run_id)
        .where(SyncRunError.user_id == user_id)
        .order_by(SyncRunError.run_id.desc())
        .limit(1)
    )
    if run_id is None:
        return []
    still_there = or_(
        exists().where(CatalogProduct.user_id == user_id, CatalogProduct.evotor_id == SyncRunError.sku),
        ~exists().where(CatalogState.user_id == user_id, CatalogState.refreshed_at > SyncRunError.created_at),
    )
    return list(
        db.session.scalars(
            select(SyncRunError)
            .where(SyncRunError.run_id == run_id, SyncRunError.user_id == user_id)
            .where(SyncRunError.retried_at.is_(None), still_there)
            .order_by(SyncRunError.id)
        )
    )


def get_error_for_user(user_id: int, error_id: int) -> SyncRunError | None:
    """One item error if it belongs to the user (else None → 404)."""
    return db.session.scalar(
        select(SyncRunError).where(SyncRunError.id == error_id, SyncRunError.user_id == user_id)
    )


def chart(runs: list[SyncRun]) -> list[Bar]:
    """Bars for the recent runs, oldest on the left; height = VK writes, colour = status."""
    runs = list(reversed(runs[:CHART_RUNS]))
    if not runs:
        return []
    writes = [r.created + r.updated + r.hidden + r.deleted for r in runs]
    top = max(max(writes), 1)
    width = max(4, CHART_W // CHART_RUNS - BAR_GAP)
    bars = []
    for i, (run, n) in enumerate(zip(runs, writes, strict=True)):
        height = max(3, round(n * (CHART_H - 4) / top))
        title = f"{run.status_ru}: {changes_ru(run)}, ошибок: {run.failed}"
        bars.append(
            Bar(i * (width + BAR_GAP), CHART_H - height, width, height, STATUS_COLOURS[run.status], title)
        )
    return bars


def chart_top(runs: list[SyncRun]) -> int:
    """The tallest bar's value (changes in VK), for the chart's vertical axis."""
    return max([r.created + r.updated + r.hidden + r.deleted for r in runs[:CHART_RUNS]] + [1])


def changes_ru(run: SyncRun) -> str:
    """What a run did in VK, in words: «создано 195, обновлено 3» or «изменений нет»."""
    parts = [
        f"{word} {n}"
        for word, n in (
            ("создано", run.created),
            ("обновлено", run.updated),
            ("скрыто", run.hidden),
            ("удалено", run.deleted),
        )
        if n
    ]
    return ", ".join(parts) if parts else "изменений нет"


def outcome_ru(run: SyncRun) -> list[tuple[str, bool]]:
    """The run history's «Во ВКонтакте» cell: its parts in order, each (text, is an error), joined by «; ».
    «изменений нет» only when nothing at all was counted: «без изменений 40» already says it."""
    changed = run.created or run.updated or run.hidden or run.deleted
    parts = [(changes_ru(run), False)] if changed or not run.unchanged else []
    if run.unchanged:
        parts.append((f"без изменений {run.unchanged}", False))
    if run.skipped:
        parts.append((f"пропущено {run.skipped}", False))
    if run.failed:
        parts.append((f"ошибок: {run.failed}", True))
    return parts
