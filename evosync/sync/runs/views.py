"""The runs part of /sync (HTMX fragments): plan preview, «Синхронизировать сейчас» with progress,
run history with a small SVG chart, per-item errors with «Повторить».
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from evosync.catalog.decisions import load_snapshot
from evosync.jobs.service import JobBusy
from evosync.sync.config.problems import brief_of, is_pause_reason
from evosync.sync.config.service import ConfigRefused, is_configured
from evosync.sync.engine import source
from evosync.sync.runs import queries as q
from evosync.tasks.sync import queue_manual_sync
from evosync.throttles import limit_plan, limit_sync_now
from evosync.ui.products import PLAN_KINDS, describe, plan_page

bp = Blueprint("sync_runs", __name__, url_prefix="/sync")
CHANGED = {"HX-Trigger": "sync-runs-changed"}


@bp.route("/plan")
@login_required
@limit_plan
def preview():
    """«Будет создано N, обновлено M, скрыто K» — from the cache and the mapping, no VK calls.

    While a run is in progress the plan would contradict the progress bar, so it waits for the run's end.
    """
    if q.running(current_user.id) is not None:
        return render_template("sync/_preview.html", plan=None, running=True)
    if not is_configured(load_snapshot(current_user.id)):
        # With no rules the filters would pass everything: a plan of the whole catalog would contradict
        # «Будет синхронизировано 0» and «Не настроено» above it.
        return render_template("sync/_preview.html", plan=None, nothing_selected=True)
    return render_template("sync/_preview.html", plan=source.preview(current_user.id))


@bp.route("/plan/items")
@login_required
def plan_items():
    """The plan's items of one kind by name — paged and searchable (``kind``, ``q``, ``page``)."""
    kind = request.args.get("kind", "create")
    kind = kind if kind in PLAN_KINDS else "create"
    text = (request.args.get("q") or "").strip()[:200]
    page = request.args.get("page", 1, type=int) or 1
    idle = q.running(current_user.id) is None and is_configured(load_snapshot(current_user.id))
    plan = source.preview(current_user.id) if idle else None
    listing = plan_page(current_user.id, plan, kind, text, page) if plan else None
    return render_template("sync/_plan_items.html", listing=listing, kinds=PLAN_KINDS, kind=kind, q=text)


@bp.route("/run", methods=["POST"])
@login_required
@limit_sync_now
def run_now():
    """Queue a manual sync for a worker and answer with the polling progress fragment."""
    return _start(None)


@bp.route("/run/status")
@login_required
def run_status():
    """Progress of the running sync, or the button and the last result once it is over.

    Only the progress panel's own polling sends ``poll=1``; when such a poll finds the run over, the answer
    triggers ``sync-runs-changed`` so the preview, errors and history reload once — a plain load of the panel
    never does (each preview costs seconds on a large catalog).
    """
    return _progress(finished=request.args.get("poll") == "1")


@bp.route("/runs")
@login_required
def history():
    """The recent runs and their chart."""
    runs = q.recent_runs(current_user.id)
    return render_template(
        "sync/_history.html",
        runs=runs,
        bars=q.chart(runs),
        chart_w=q.CHART_W,
        chart_h=q.CHART_H,
        chart_top=q.chart_top(runs),
        colours=q.STATUS_COLOURS,
        outcome_ru=q.outcome_ru,
        brief_of=brief_of,
    )


@bp.route("/errors")
@login_required
def errors():
    """Per-item errors of the latest run, with their hints and the products by name."""
    errors = q.open_errors(current_user.id)
    refs = describe(current_user.id, [e.sku for e in errors], {e.sku: e.product_name for e in errors})
    return render_template("sync/_errors.html", errors=errors, refs=refs)


@bp.route("/errors/<int:error_id>/retry", methods=["POST"])
@login_required
def retry_one(error_id: int):
    """Retry one failed product now."""
    error = q.get_error_for_user(current_user.id, error_id)
    if error is None:
        abort(404)
    return _start([error])


@bp.route("/errors/retry", methods=["POST"])
@login_required
def retry_all():
    """Retry every failed product of the latest run now."""
    return _start(q.open_errors(current_user.id))


def _start(errors):
    only = None if errors is None else {e.sku for e in errors}
    retry = [e.id for e in errors or ()]
    message = None
    try:
        queue_manual_sync(current_user.id, only=only, retry_error_ids=retry)
    except JobBusy:
        message = "Синхронизация уже выполняется."
    except ConfigRefused as refused:
        # The status card already says it in full: a few words here.
        text = refused.message_ru
        message = f"Не запущено — {brief_of(text)}." if is_pause_reason(text) else text
    # A run that already ended by the time we answer changed the history; a refused start changed nothing.
    html, status, headers = _progress(message, finished=message is None)
    if message is None and not headers:
        headers = {"HX-Trigger": "sync-run-started"}  # the plan preview steps aside while the run goes
    return html, status, headers


def _progress(message: str | None = None, finished: bool = False):
    active = q.running(current_user.id)
    runs = q.recent_runs(current_user.id, 1)
    headers = CHANGED if finished and active is None else {}
    return (
        render_template(
            "sync/_progress.html",
            active=active,
            last=runs[0] if runs else None,
            message=message,
            brief_of=brief_of,
            is_pause_reason=is_pause_reason,
        ),
        200,
        headers,
    )
