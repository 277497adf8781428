"""Register, log in, log out."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from evosync.auth import account_mail, service, throttle
from evosync.auth.forms import LoginForm, RegisterForm
from evosync.auth.passwords import dummy_hash, verify_password
from evosync.auth.safe_redirect import safe_next
from evosync.auth.security_log import client_address, log_event
from evosync.auth.sessions import end_session, start_session
from evosync.auth.waits import wait_ru
from evosync.db import utcnow
from evosync.extensions import db, limiter

bp = Blueprint("auth", __name__)


def _failed(response) -> bool:
    # Only failed attempts count towards the per-client limit: a successful login redirects.
    return response.status_code != 302


def begin_session(user) -> None:
    """Rotate the cookie session and start a server-side one for ``user`` (commits)."""
    session.clear()
    start_session(user, request.headers.get("User-Agent", ""))
    db.session.commit()
    login_user(user)


def _register_known_or_new(email: str, password: str) -> None:
    """Mail the owner of a taken address, or create the account and mail its confirmation link."""
    existing = service.find_by_email(email)
    if existing is not None:
        verify_password(dummy_hash(), password)  # the same hashing work as a new account: no timing tell
        account_mail.send_register_attempt(existing)
        log_event(existing.id, "register_attempt")
        return
    user = service.create_user(email, password, confirmed=False)
    log_event(user.id, "registered")
    account_mail.send_confirmation(user)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTER_LIMIT_PER_CLIENT"], methods=["POST"])
def register():
    """Create an account; a taken address gets exactly the same answer (the owner gets a mail instead)."""
    if current_user.is_authenticated:
        return redirect(url_for("connections.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        problem = service.account_input_problem(form.email.data, form.password.data)
        if problem is None:
            try:
                _register_known_or_new(service.normalize_email(form.email.data), form.password.data)
                db.session.commit()
            except service.AccountError:  # lost a race with the same address: answer as for any taken one
                db.session.rollback()
            return render_template("auth/check_mail.html", reason="register", email=form.email.data)
        form.email.errors = [*form.email.errors, str(problem)]
    return render_template("auth/register.html", form=form), 400 if request.method == "POST" else 200


def _throttled(until: datetime):
    seconds = max(1, int((until - utcnow()).total_seconds()) + 1)
    html = render_template("auth/throttled.html", wait=wait_ru(seconds))
    return html, 429, {"Retry-After": str(seconds)}


def _wrong_password(form: LoginForm, email: str):
    throttle.record_failure(email, client_address())
    user = service.find_by_email(email)
    if user is not None:
        log_event(user.id, "login_failed")
    db.session.commit()
    form.password.errors = [*form.password.errors, "Неверная почта или пароль."]
    return render_template("auth/login.html", form=form), 401


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_CLIENT"], methods=["POST"], deduct_when=_failed)
def login():
    """Check email and password, then go where the user was headed (same site only)."""
    target = safe_next(request.args.get("next")) or url_for("connections.index")
    if current_user.is_authenticated:
        return redirect(target)
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 400 if request.method == "POST" else 200
    email = service.normalize_email(form.email.data)
    until = throttle.retry_at(email, client_address())
    if until is not None:
        return _throttled(until)
    user = service.authenticate(email, form.password.data)
    if user is None:
        return _wrong_password(form, email)
    if not user.is_active:
        form.password.errors = ["Аккаунт приостановлен. Чтобы узнать причину, напишите в поддержку."]
        return render_template("auth/login.html", form=form), 403
    throttle.record_success(email, client_address())
    log_event(user.id, "login")
    begin_session(user)
    return redirect(target)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """End the server-side session, so a copy of the cookie is worthless too."""
    end_session(current_user.session_token)
    log_event(current_user.id, "logout")
    db.session.commit()
    logout_user()
    session.clear()
    flash("Вы вышли из аккаунта.", "info")
    return redirect(url_for("auth.login"))
