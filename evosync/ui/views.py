"""The merchant's display settings: the time zone every page shows times in."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, login_required

from evosync.extensions import db
from evosync.ui.formats import ZONES

bp = Blueprint("ui", __name__)


@bp.route("/account/timezone", methods=["POST"])
@login_required
def set_timezone():
    """Save the time zone chosen on /account (one of the listed zones)."""
    zone = request.form.get("timezone", "")
    if zone not in ZONES:
        flash("Выберите часовой пояс из списка.", "danger")
        return redirect(url_for("account.account"), 303)
    current_user.timezone = zone
    db.session.commit()
    flash(f"Часовой пояс сохранён: {ZONES[zone][0]} ({ZONES[zone][1]}).", "success")
    return redirect(url_for("account.account"), 303)
