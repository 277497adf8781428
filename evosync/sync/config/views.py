"""The /sync page: master switch, status, filter summary, confirmation, settings and placeholder."""

from __future__ import annotations

import logging

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from evosync.catalog import queries as catalog_queries
from evosync.catalog.decisions import load_snapshot
from evosync.extensions import db
from evosync.htmx import is_htmx
from evosync.refusals import commit_or_refusal
from evosync.sync.config import service as config_service
from evosync.sync.config import settings as settings_service
from evosync.sync.config.forms import parse_settings_form, read_upload
from evosync.sync.config.settings import BadSettings
from evosync.sync.config.summary import filter_summary
from evosync.sync.engine import guard
from evosync.tasks.sync import queue_manual_sync
from evosync.ui.formats import group_labels

bp = Blueprint("sync", __name__)
log = logging.getLogger(__name__)


def _context(**extra) -> dict:
    """Everything page.html and its fragments show, for the logged-in user."""
    uid = current_user.id
    snap = load_snapshot(uid)
    fetched = catalog_queries.catalog_state(uid) is not None
    return {
        "status": config_service.status(uid, snap),
        "summary": filter_summary(snap, fetched),
        "changes": config_service.changes_since_confirmation(uid, snap.rules),
        "settings": config_service.get_settings(uid),
        "held": guard.held_items(config_service.get_settings(uid)),
        "stock_warning": settings_service.stock_warning(uid),
        **extra,
    }


def _page(status: int = 200, **extra):
    response = make_response(render_template("sync/page.html", **_context(**extra)), status)
    response.vary.add("HX-Request")
    return response


@bp.route("/sync")
@login_required
def index():
    """Master switch, status, filter summary, plan preview and history slot, settings."""
    return _page()


@bp.route("/sync/status")
@login_required
def status_fragment():
    """The status card alone: re-fetched when a run ends, so a pause shows without a reload."""
    return render_template("sync/_status.html", **_context())


@bp.route("/sync/toggle", methods=["POST"])
@login_required
def toggle():
    """Flip the master switch (no fields); HTMX gets the switch plus the status out of band."""
    message = _attempt(config_service.toggle)
    if not is_htmx():
        if message:
            flash(message, "warning")
        return redirect(url_for("sync.index"), 303)
    return render_template("sync/_toggled.html", switch_message=message, **_context())


@bp.route("/sync/confirm", methods=["POST"])
@login_required
def confirm():
    """Confirm the rules (sets confirmed_at) when the switch is on, a store syncs and both connections work."""
    message = _attempt(config_service.confirm)
    notice, started = (None, False) if message else _kick_first_run(current_user.id)
    if not is_htmx():
        flash(message or notice, "warning" if message else "success")
        return redirect(url_for("sync.index"), 303)
    # The progress panel listens for sync-run-started and fetches itself, so it shows the run now running.
    headers = {"HX-Trigger": "sync-run-started"} if started else {}
    html = render_template("sync/_status.html", confirm_message=message, confirm_notice=notice, **_context())
    return html, 200, headers


def _attempt(action) -> str | None:
    """Run ``action(user_id)`` and commit; on a refusal roll back and return its Russian reason."""
    return commit_or_refusal(lambda: action(current_user.id))[1]


def _kick_first_run(user_id: int) -> tuple[str, bool]:
    """Start the first sync now, else say cron will pick it up; (notice, whether a run was started)."""
    later = "Настройки подтверждены. Первая синхронизация начнётся при следующем запуске планировщика."
    try:
        queue_manual_sync(user_id)
    except Exception:  # the confirmation stands; cron will run it
        log.exception("could not start the first sync of user %s", user_id)
        return later, False
    return "Настройки подтверждены. Первая синхронизация запущена.", True


@bp.route("/sync/settings", methods=["POST"])
@login_required
def save_settings():
    """Save price multiplier, VK category, leave action and stock mode; bad input → 400 with the page."""
    _, error = commit_or_refusal(
        lambda: settings_service.update_settings(current_user.id, parse_settings_form(request.form))
    )
    if error:
        return _page(400, settings_error=error, form=request.form)
    flash("Настройки сохранены.", "success")
    return redirect(url_for("sync.index", _anchor="settings"), 303)


@bp.route("/sync/categories")
@login_required
def categories():
    """The VK category select (loaded by the settings form, since it needs a VK call)."""
    try:
        choices, error = settings_service.category_choices(current_user.id), None
    except BadSettings as bad:
        choices, error = [], bad.message_ru
    settings = config_service.get_settings(current_user.id)
    current = settings.vk_category_id if settings else None
    return render_template("sync/_categories.html", choices=choices, error=error, current=current)


@bp.route("/sync/group-categories")
@login_required
def group_categories():
    """Per-group VK categories: a searchable picker per Evotor group (loaded later: it needs a VK call)."""
    try:
        choices, error = settings_service.category_choices(current_user.id), None
    except BadSettings as bad:
        choices, error = [], bad.message_ru
    rows = settings_service.group_category_rows(current_user.id)
    stores = {store.evotor_id: store.name for store in catalog_queries.stores(current_user.id)}
    names = group_labels([group for group, _ in rows], stores.get)
    return render_template(
        "sync/_group_categories.html",
        rows=rows,
        names=names,
        labels=dict(choices),
        choices=choices,
        error=error,
    )


@bp.route("/sync/group-categories", methods=["POST"])
@login_required
def save_group_category():
    """Map one group to a VK category (empty = the shop-wide category); bad input → 400 with the page."""
    form = request.form
    _, error = commit_or_refusal(
        lambda: settings_service.set_group_category(
            current_user.id, form.get("group_id", ""), form.get("category")
        )
    )
    if error:
        return _page(400, group_category_error=error)
    flash("Категория группы сохранена.", "success")
    return redirect(url_for("sync.index", _anchor="group-categories"), 303)


@bp.route("/sync/placeholder", methods=["GET"])
@login_required
def placeholder():
    """The user's current placeholder image (the default one until they upload theirs)."""
    data, mime, _custom = settings_service.placeholder(current_user.id)
    response = make_response(data)
    response.headers["Content-Type"] = mime
    response.headers["Cache-Control"] = "private, no-cache"
    response.add_etag()
    return response.make_conditional(request)


@bp.route("/sync/placeholder", methods=["POST"])
@login_required
def upload_placeholder():
    """Replace the placeholder with an uploaded JPG/PNG (≥400×400, ≤5 MB); bad file → 400."""
    _, error = commit_or_refusal(
        lambda: settings_service.set_placeholder(current_user.id, read_upload(request.files))
    )
    if error:
        return _page(400, placeholder_error=error)
    flash("Изображение-заглушка обновлено.", "success")
    return redirect(url_for("sync.index", _anchor="settings"), 303)


@bp.route("/sync/placeholder/reset", methods=["POST"])
@login_required
def reset_placeholder():
    """Go back to the default placeholder."""
    settings_service.reset_placeholder(current_user.id)
    db.session.commit()
    flash("Восстановлена стандартная заглушка.", "success")
    return redirect(url_for("sync.index", _anchor="settings"), 303)


@bp.route("/sync/removals/approve", methods=["POST"])
@login_required
def approve_removals():
    """«Снять N товаров»: the held removals may go; a sync starts now to take them down."""
    count = guard.approve_held(current_user.id)
    db.session.commit()
    if count:
        _, started = _kick_first_run(current_user.id)
        flash(
            f"Подтверждено: {count} товаров будут сняты из ВКонтакте" + (" сейчас." if started else "."),
            "success",
        )
    return redirect(url_for("sync.index"), 303)


@bp.route("/sync/removal-threshold", methods=["POST"])
@login_required
def removal_threshold():
    """The share of published goods one run may remove without asking (1–100 %)."""
    _, error = commit_or_refusal(
        lambda: config_service.set_removal_threshold(current_user.id, request.form.get("percent"))
    )
    if error:
        return _page(400, settings_error=error)
    flash("Порог сохранён.", "success")
    return redirect(url_for("sync.index", _anchor="removal-guard"), 303)
