"""The runs part of /sync (HTMX fragments): plan preview, «Синхронизировать сейчас» with progress,
run history with a small SVG chart, per-item errors with «Повторить».
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from evosync.jobs.service import JobBusy
from evosync.sync.config.service import ConfigRefused
from evosync.sync.engine import source
from evosync.sync.runs import queries as q
from evosync.tasks.sync import queue_manual_sync

bp = Blueprint("sync_runs", __name__, url_prefix="/sync")
CHANGED = {"HX-Trigger": "sync-runs-changed"}


@bp.route("/plan")
@login_required
def preview():
    """«Будет создано N, обновлено M, скрыто K» — from the cache and the mapping, no VK calls."""
    return render_template("sync/_preview.html", plan=source.preview(current_user.id))


@bp.route("/run", methods=["POST"])
@login_required
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
        "sync/_history.html", runs=runs, bars=q.chart(runs), chart_w=q.CHART_W, chart_h=q.CHART_H
    )


@bp.route("/errors")
@login_required
def errors():
    """Per-item errors of the latest run, with their hints."""
    return render_template("sync/_errors.html", errors=q.open_errors(current_user.id))


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
        message = refused.message_ru
    # A run that already ended by the time we answer changed the history; a refused start changed nothing.
    return _progress(message, finished=message is None)


def _progress(message: str | None = None, finished: bool = False):
    active = q.running(current_user.id)
    runs = q.recent_runs(current_user.id, 1)
    headers = CHANGED if finished and active is None else {}
    return (
        render_template(
            "sync/_progress.html", active=active, last=runs[0] if runs else None, message=message
        ),
        200,
        headers,
    )
