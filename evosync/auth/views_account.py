"""The account page: confirmation state, password, notification switches, security log, «log out everywhere»."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user

from evosync.auth import service
from evosync.auth.forms import NotificationsForm, PasswordChangeForm
from evosync.auth.security_log import KINDS_RU, log_event, recent_events
from evosync.auth.sessions import end_all_sessions
from evosync.extensions import db
from evosync.notifications import service as notifications

bp = Blueprint("account", __name__)


def _page(form: PasswordChangeForm, status: int = 200):
    uid = current_user.id
    return render_template(
        "auth/account.html",
        form=form,
        notify_form=NotificationsForm(),
        kinds=notifications.KINDS,
        switches=notifications.switches(uid),
        events=recent_events(uid),
        kinds_ru=KINDS_RU,
    ), status


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """Change the password; other browsers logged in as this user are logged out."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            service.change_password(current_user, form.current_password.data, form.new_password.data)
        except service.AccountError as exc:
            db.session.rollback()
            form.new_password.errors = [*form.new_password.errors, str(exc)]
            return _page(form, 400)
        end_all_sessions(current_user, keep_token=current_user.session_token)
        log_event(current_user.id, "password_changed")
        db.session.commit()
        flash("Пароль изменён. Все остальные сеансы завершены.", "success")
        return redirect(url_for("account.account"))
    return _page(form, 400 if form.is_submitted() else 200)


@bp.route("/account/notifications", methods=["POST"])
@login_required
def save_notifications():
    """Store the per-kind switches (checkbox ``kind`` present = on)."""
    if not NotificationsForm().validate_on_submit():
        return redirect(url_for("account.account"))
    chosen = {kind for kind in notifications.KINDS if request.form.get(kind)}
    notifications.set_switches(current_user.id, chosen)
    db.session.commit()
    flash("Настройки уведомлений сохранены.", "success")
    return redirect(url_for("account.account"))


@bp.route("/account/logout-everywhere", methods=["POST"])
@login_required
def logout_everywhere():
    """End every session of this account, this one included."""
    end_all_sessions(current_user)
    log_event(current_user.id, "sessions_revoked")
    db.session.commit()
    logout_user()
    session.clear()
    flash("Вы вышли на всех устройствах. Войдите снова.", "info")
    return redirect(url_for("auth.login"))
