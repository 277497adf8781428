"""Email confirmation: the link from the mail, and «Отправить ещё раз»."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from evosync.auth import account_mail, mail_tokens, service
from evosync.auth.security_log import log_event
from evosync.extensions import db, limiter

bp = Blueprint("confirm", __name__)


@bp.route("/confirm/<token>")
def confirm(token: str):
    """Confirm the email; logged-out visitors are sent to the login page afterwards."""
    user = mail_tokens.consume(token, "confirm")
    if user is None:
        return render_template("auth/link_invalid.html", purpose="confirm"), 404
    if service.confirm_email(user):
        log_event(user.id, "email_confirmed")
    db.session.commit()
    flash("Почта подтверждена. Теперь можно включить синхронизацию.", "success")
    if current_user.is_authenticated:
        return redirect(url_for("sync.index"))
    return redirect(url_for("auth.login"))


@bp.route("/confirm/resend", methods=["POST"])
@login_required
@limiter.limit(lambda: current_app.config["REGISTER_LIMIT_PER_CLIENT"])
def resend_confirmation():
    """Mail a fresh confirmation link (no fields)."""
    if current_user.is_confirmed:
        flash("Почта уже подтверждена.", "info")
    else:
        account_mail.send_confirmation(current_user)
        db.session.commit()
        flash(f"Письмо со ссылкой отправлено на {current_user.email}.", "success")
    return redirect(url_for("account.account"))
