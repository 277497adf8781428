"""The account page: change the password (which logs out every other session)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from evosync.auth import service
from evosync.auth.forms import PasswordChangeForm
from evosync.auth.sessions import end_all_sessions
from evosync.auth.views import bp
from evosync.extensions import db


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """Change the password; other browsers logged in as this user are logged out."""
    form = PasswordChangeForm()
    status = 200
    if form.validate_on_submit():
        try:
            service.change_password(current_user, form.current_password.data, form.new_password.data)
        except service.AccountError as exc:
            db.session.rollback()
            form.new_password.errors = [*form.new_password.errors, str(exc)]
            status = 400
        else:
            end_all_sessions(current_user, keep_token=current_user.session_token)
            db.session.commit()
            flash("Пароль изменён. Все остальные сеансы завершены.", "success")
            return redirect(url_for("auth.account"))
    elif form.is_submitted():
        status = 400
    return render_template("auth/account.html", form=form), status
