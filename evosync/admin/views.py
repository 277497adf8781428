"""/admin: the operator's list of users and actions on them. Anyone but an operator gets a 404."""

from __future__ import annotations

import functools

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from evosync.admin import queries, service
from evosync.auth.models import User
from evosync.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")


def admin_required(view):
    """404 for anonymous visitors and merchants alike: the page does not exist for them."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated or not current_user.is_admin:
            abort(404)
        return view(*args, **kwargs)

    return wrapper


def _target(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("")
@admin_required
def index():
    """Every user: confirmation, connection health, last run, failures in a row, queue state."""
    return render_template("admin/index.html", rows=queries.user_rows(), pending=queries.queue_pending())


@bp.route("/users/<int:user_id>/suspend", methods=["POST"])
@admin_required
def suspend(user_id: int):
    """Suspend a user (not oneself: the last operator must not lock the door from inside)."""
    user = _target(user_id)
    if user.id == current_user.id:
        flash("Нельзя приостановить собственный аккаунт.", "warning")
    else:
        service.suspend(user, current_user)
        db.session.commit()
        flash(f"Аккаунт {user.email} приостановлен: он не может войти и не синхронизируется.", "success")
    return redirect(url_for("admin.index"), 303)


@bp.route("/users/<int:user_id>/resume", methods=["POST"])
@admin_required
def resume(user_id: int):
    """Lift a suspension."""
    user = _target(user_id)
    service.resume(user, current_user)
    db.session.commit()
    flash(f"Аккаунт {user.email} снова активен.", "success")
    return redirect(url_for("admin.index"), 303)


@bp.route("/users/<int:user_id>/resend-confirmation", methods=["POST"])
@admin_required
def resend_confirmation(user_id: int):
    """Mail the user a fresh confirmation link."""
    user = _target(user_id)
    if user.is_confirmed:
        flash(f"Почта {user.email} уже подтверждена.", "info")
    else:
        service.resend_confirmation(user, current_user)
        db.session.commit()
        flash(f"Письмо для подтверждения отправлено на {user.email}.", "success")
    return redirect(url_for("admin.index"), 303)
