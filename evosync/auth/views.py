"""Register, log in, log out."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from evosync.auth import service
from evosync.auth.forms import LoginForm, RegisterForm
from evosync.auth.safe_redirect import safe_next
from evosync.auth.sessions import end_session, start_session
from evosync.extensions import db, limiter

bp = Blueprint("auth", __name__)


def _account_key() -> str:
    return "login-account:" + service.normalize_email(request.form.get("email", ""))[:254]


def _failed(response) -> bool:
    # Only failed attempts count towards the limits: a successful login redirects.
    return response.status_code != 302


def _begin(user) -> None:
    """Rotate the cookie session and start a server-side one for ``user``."""
    session.clear()
    start_session(user, request.headers.get("User-Agent", ""))
    db.session.commit()
    login_user(user)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTER_LIMIT_PER_CLIENT"], methods=["POST"])
def register():
    """Create an account and log straight in."""
    if current_user.is_authenticated:
        return redirect(url_for("connections.index"))
    form = RegisterForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = service.create_user(form.email.data, form.password.data)
        except service.AccountError as exc:
            db.session.rollback()
            form.email.errors = [*form.email.errors, str(exc)]
        else:
            _begin(user)
            flash("Добро пожаловать! Подключите Эвотор и ВКонтакте, чтобы начать.", "success")
            return redirect(url_for("connections.index"))
    if request.method == "POST":
        status = 400
    return render_template("auth/register.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_CLIENT"], methods=["POST"], deduct_when=_failed)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed,
)
def login():
    """Check email and password, then go where the user was headed (same site only)."""
    target = safe_next(request.args.get("next")) or url_for("connections.index")
    if current_user.is_authenticated:
        return redirect(target)
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = service.authenticate(form.email.data, form.password.data)
        if user is not None:
            _begin(user)
            return redirect(target)
        form.password.errors = [*form.password.errors, "Неверная почта или пароль."]
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """End the server-side session, so a copy of the cookie is worthless too."""
    end_session(current_user.session_token)
    db.session.commit()
    logout_user()
    session.clear()
    flash("Вы вышли из аккаунта.", "info")
    return redirect(url_for("auth.login"))
