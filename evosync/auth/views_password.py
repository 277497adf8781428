"""Forgotten password: ask for a link by mail, then set a new password with it."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from evosync.auth import account_mail, mail_tokens, service, throttle
from evosync.auth.forms import ForgotForm, ResetForm
from evosync.auth.security_log import log_event
from evosync.auth.sessions import end_all_sessions
from evosync.auth.views import begin_session
from evosync.extensions import db, limiter

bp = Blueprint("password", __name__)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTER_LIMIT_PER_CLIENT"], methods=["POST"])
def forgot_password():
    """Mail a reset link; the answer is the same whether or not the address has an account."""
    form = ForgotForm()
    if form.validate_on_submit():
        user = service.find_by_email(form.email.data)
        if user is not None and user.is_active:
            account_mail.send_reset(user)
            log_event(user.id, "password_reset_requested")
            db.session.commit()
        return render_template("auth/check_mail.html", reason="reset", email=form.email.data)
    if current_user.is_authenticated and not form.is_submitted():
        form.email.data = current_user.email
    return render_template("auth/forgot.html", form=form), 400 if request.method == "POST" else 200


def _invalid_link():
    return render_template("auth/link_invalid.html", purpose="reset"), 404


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Set a new password with a one-time link; every session of the account ends, this browser logs in."""
    row = mail_tokens.peek(token, "reset")
    if row is None:
        return _invalid_link()
    form = ResetForm()
    if form.validate_on_submit():
        try:
            service.set_password(row.user, form.password.data)
        except service.AccountError as exc:
            db.session.rollback()
            form.password.errors = [*form.password.errors, str(exc)]
            return render_template("auth/reset.html", form=form), 400
        if mail_tokens.consume(token, "reset") is None:  # used by a concurrent request a moment ago
            db.session.rollback()
            return _invalid_link()
        _after_reset(row.user)
        flash("Пароль изменён. Все остальные устройства вышли из аккаунта.", "success")
        return redirect(url_for("connections.index"))
    return render_template("auth/reset.html", form=form), 400 if request.method == "POST" else 200


def _after_reset(user) -> None:
    """End every session, forget failed-login counters, confirm the mailbox (the link proved it), log in."""
    end_all_sessions(user)
    throttle.clear_account(user.email)
    service.confirm_email(user)
    log_event(user.id, "password_reset")
    if user.is_active:
        begin_session(user)
    else:
        db.session.commit()
