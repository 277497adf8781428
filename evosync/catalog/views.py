"""The catalog browser: stores → groups → products, include/exclude toggles, rules, refresh and export."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_required

from evosync.catalog import queries, rows, service
from evosync.catalog.buttons import rule_buttons
from evosync.catalog.decisions import load_snapshot
from evosync.catalog.effect import measure, selected
from evosync.catalog.export import csv_lines
from evosync.catalog.listing import SORT_LABELS, STATUSES, ProductQuery, product_page
from evosync.connections.queries import get_connection
from evosync.db import as_utc, utcnow
from evosync.extensions import db
from evosync.htmx import is_htmx, page_or_fragment
from evosync.jobs.queries import get_job_for_user, latest_job
from evosync.rules import queries as rules_queries
from evosync.rules import service as rules_service
from evosync.tasks.jobs import submit
from evosync.throttles import limit_export, limit_refresh

bp = Blueprint("catalog", __name__, url_prefix="/catalog")
RULES_CHANGED = "catalog-rules-changed"
bp.add_app_template_global(rule_buttons, "catalog_rule_buttons")
bp.add_app_template_global(rows.product_rows, "catalog_product_rows")
bp.add_app_template_global(rows.product_row, "catalog_product_row")
bp.add_app_template_global(rows.decision_badge, "catalog_decision_badge")
bp.add_app_template_global(rows.rule_label, "catalog_rule_label")


def _job_running(job) -> bool:
    """Queued or running; a job whose lease expired belongs to a dead process: show it as interrupted."""
    return job is not None and (job.queued or job.running) and as_utc(job.lease_expires_at) >= utcnow()


def _page_context() -> dict:
    uid = current_user.id
    job = latest_job(uid, service.REFRESH_KIND)
    snap = load_snapshot(uid)
    return {
        "state": queries.catalog_state(uid),
        "connected": get_connection(uid, "evotor") is not None,
        "job": job,
        "job_running": _job_running(job),
        "snap": snap,
        "missing_rules": service.missing_rule_ids(uid, snap.rules),
    }


@bp.route("")
@login_required
def index():
    """Summary, refresh, the stores table and the rules list."""
    return page_or_fragment("catalog/page.html", "catalog/_stores_table.html", **_page_context())


@bp.route("/stores/<store_id>")
@login_required
def store(store_id: str):
    """A store's groups as an indented tree with counts and toggles."""
    store = queries.get_entity_for_user(current_user.id, "store", store_id) or abort(404)
    snap = load_snapshot(current_user.id)
    return page_or_fragment("catalog/store.html", "catalog/_groups_table.html", store=store, snap=snap)


@bp.route("/products")
@login_required
def products():
    """Products with search, filters, sorting and pagination."""
    query = ProductQuery.from_args(request.args)
    uid = current_user.id
    for kind, value in (("store", query.store), ("group", query.group)):
        if value and queries.get_entity_for_user(uid, kind, value) is None:
            abort(404)
    snap = load_snapshot(uid)
    listing = product_page(snap, query)
    context = {"snap": snap, "query": query, "listing": listing, "sorts": SORT_LABELS, "statuses": STATUSES}
    return page_or_fragment("catalog/products.html", "catalog/_products_table.html", **context)


@bp.route("/filters", methods=["POST"])
@login_required
def set_filter():
    """Set or clear one rule; answer the row (with the change's effect), the summary and the other rows of
    the same table that changed, out of band — one request, nothing re-fetched."""
    form = request.form
    try:
        entity_type, entity_id, mode = service.parse_filter(
            form.get("entity_type"), form.get("entity_id"), form.get("mode")
        )
    except service.BadFilterInput as exc:
        abort(400, exc.message_ru)
    uid = current_user.id
    entity = queries.get_entity_for_user(uid, entity_type, entity_id) or abort(404)
    before = load_snapshot(uid)
    rules_service.remember_rules(uid, before.rules)
    service.set_filter(uid, entity_type, entity, mode)
    snap = load_snapshot(uid, before.state)  # the state row the change has just updated
    effect = measure(before, snap, entity_type, entity, mode)
    # Store toggles happen on the stores page, which also lists the rules: that list is swapped too.
    missing = service.missing_rule_ids(uid, snap.rules) if entity_type == "store" else set()
    # Rendered from this transaction's rows, then committed: after a commit every loaded row would be read
    # again (a new transaction) for what is already known; a failed commit answers its error instead.
    html = render_template(
        "catalog/_toggled.html",
        snap=snap,
        effect=effect,
        entity_type=entity_type,
        entity=entity,
        reload_url=_current_catalog_url(),
        missing_rules=missing,
    )
    db.session.commit()
    return html


def _current_catalog_url() -> str:
    """The catalog page the toggle came from (path and query only), for «обновите список»."""
    parts = urlsplit(request.headers.get("HX-Current-URL", ""))
    path = parts.path if parts.path.startswith("/catalog") else url_for("catalog.index")
    return f"{path}?{parts.query}" if parts.query else path


@bp.route("/rules/undo", methods=["POST"])
@login_required
def undo_rules():
    """Put back the rule set as it was before the last change; the tables re-render on the event."""
    uid = current_user.id
    before = selected(load_snapshot(uid))
    restored = rules_service.undo_rules(uid)
    db.session.commit()
    return _rules_changed(undone=restored, undo_before=before)


@bp.route("/rules")
@login_required
def rules():
    """Every rule with its type, mode, name and a remove button."""
    uid = current_user.id
    all_rules = rules_queries.rules(uid)
    context = {"rules": all_rules, "missing": service.missing_rule_ids(uid, all_rules)}
    return page_or_fragment("catalog/rules.html", "catalog/_rules.html", **context)


@bp.route("/rules/<int:rule_id>/delete", methods=["POST"])
@login_required
def remove_rule(rule_id: int):
    """Remove one rule (also one whose entity left the catalog); the row disappears."""
    rule = rules_queries.get_rule_for_user(current_user.id, rule_id) or abort(404)
    rules_service.remember_rules(current_user.id)
    rules_service.remove_rule(current_user.id, rule)
    db.session.commit()
    return _rules_changed()


@bp.route("/rules/reset", methods=["POST"])
@login_required
def reset_rules():
    """Delete every rule (undoable); the tables and the rules list re-render on the event."""
    rules_service.remember_rules(current_user.id)
    rules_service.reset_rules(current_user.id)
    db.session.commit()
    return _rules_changed()


def _rules_changed(undone: bool | None = None, undo_before: int = 0):
    """The summary out of band, and the event that makes the tables and the rules list re-fetch."""
    uid = current_user.id
    html = render_template(
        "catalog/_summary.html",
        snap=load_snapshot(uid),
        oob=True,
        undone=undone,
        undo_before=undo_before,
        can_undo=rules_service.can_undo(uid),
    )
    return html, 200, {"HX-Trigger": RULES_CHANGED}


@bp.route("/refresh", methods=["POST"])
@login_required
@limit_refresh
def start_refresh():
    """Start the background refresh (or show the one already running) and answer the progress panel."""
    uid = current_user.id
    if get_connection(uid, "evotor") is None:
        return render_template("catalog/_refresh.html", connected=False, job=None, job_running=False)
    job = submit(service.REFRESH_KIND, uid)  # a worker runs it; the panel polls the row
    return _refresh_panel(job)


@bp.route("/refresh/<int:job_id>")
@login_required
def refresh_status(job_id: int):
    """The progress panel while the job runs."""
    return _refresh_panel(get_job_for_user(job_id, current_user.id) or abort(404))


def _refresh_panel(job):
    """The progress panel; once the job ended, the page reloads to show the new catalog (also when a fast
    worker finished it before the request that started it answered)."""
    running = _job_running(job)
    headers = {} if running or not is_htmx() else {"HX-Refresh": "true"}
    html = render_template("catalog/_refresh.html", connected=True, job=job, job_running=running)
    return html, 200, headers


@bp.route("/export.csv")
@login_required
@limit_export
def export_csv():
    """Every product with its decision and reason, streamed as CSV (UTF-8 with BOM, «;»-separated)."""
    snap = load_snapshot(current_user.id)
    filename = f"evosync-catalog-{utcnow():%Y-%m-%d}.csv"
    return Response(
        stream_with_context(csv_lines(snap)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
