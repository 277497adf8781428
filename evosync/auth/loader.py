"""Flask-Login wiring: load users from server-side sessions, answer HTMX with 401 + HX-Redirect."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Flask, current_app, flash, g, redirect, request, url_for

from evosync.auth.safe_redirect import safe_next
from evosync.auth.sessions import load_session_user
from evosync.extensions import login_manager
from evosync.htmx import is_htmx


def init_login(app: Flask) -> None:
    """Attach Flask-Login to ``app``."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"

    @app.teardown_request
    def _forget_user(exc):
        # Flask-Login caches the user on `g`; when an app context outlives one request (tests, CLI
        # helpers) the next request must load its user afresh from its own cookie.
        g.pop("_login_user", None)


@login_manager.user_loader
def _load_user(token: str):
    config = current_app.config
    return load_session_user(
        token,
        idle=timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
        max_age=timedelta(hours=config["SESSION_MAX_HOURS"]),
        # Self-refreshing cards poll every few seconds; that is not the merchant being active.
        touch=request.headers.get("X-EvoSync-Poll") != "1",
    )


@login_manager.unauthorized_handler
def _unauthorized():
    htmx = is_htmx()
    if htmx:
        # Come back to the page the fragment was part of, not to the bare fragment URL.
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        next_path = (
            safe_next(current.path + (f"?{current.query}" if current.query else "")) if current.path else None
        )
    else:
        next_path = safe_next(request.full_path.rstrip("?")) if request.method == "GET" else None
    login_url = url_for("auth.login", next=next_path) if next_path else url_for("auth.login")
    if htmx:
        # HTMX would swap a redirect's login page into a table row; tell it to navigate instead.
        return "", 401, {"HX-Redirect": login_url}
    flash("Войдите, чтобы продолжить.", "info")
    return redirect(login_url)
