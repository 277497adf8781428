"""The connections dashboard and the connect / callback / community / check / disconnect routes."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from evosync.connections import service
from evosync.connections.callbacks import exchange_code
from evosync.connections.health import check_connection
from evosync.connections.oauth import evotor_oauth_enabled, start_authorization, vk_oauth_enabled
from evosync.connections.queries import connections_by_provider, get_connection
from evosync.extensions import db, limiter
from evosync.htmx import is_htmx
from evosync.refusals import commit_or_refusal

bp = Blueprint("connections", __name__)
PROVIDERS = ("evotor", "vk")


def _dashboard(status: int = 200, error: str | None = None):
    return render_template(
        "connections/page.html",
        connections=connections_by_provider(current_user.id),
        evotor_oauth=evotor_oauth_enabled(),
        vk_oauth=vk_oauth_enabled(),
        error=error,
    ), status


def _own_connection(provider: str):
    """The current user's connection to ``provider``, or 404."""
    if provider not in PROVIDERS:
        abort(404)
    connection = get_connection(current_user.id, provider)
    if connection is None:
        abort(404)
    return connection


@bp.route("/connections")
@login_required
def index():
    """One card per provider with its state."""
    return _dashboard()


@bp.route("/connections/<provider>/card")
@login_required
def card(provider: str):
    """A provider's card alone (the dashboard polls it)."""
    if provider not in PROVIDERS:
        abort(404)
    connection = get_connection(current_user.id, provider)
    return render_template(
        f"connections/_{provider}_card.html",
        connection=connection,
        evotor_oauth=evotor_oauth_enabled(),
        vk_oauth=vk_oauth_enabled(),
    )


@bp.route("/connections/<provider>/check", methods=["POST"])
@login_required
def check(provider: str):
    """«Проверить сейчас»: check and answer with the updated card."""
    check_connection(_own_connection(provider))
    db.session.commit()
    if is_htmx():
        return card(provider)
    return redirect(url_for(".index"))


@bp.route("/evotor/token", methods=["POST"])
@login_required
def evotor_token():
    """Connect Evotor with a pasted cloud token (checked with a real call first)."""
    _, error = commit_or_refusal(
        lambda: service.connect_evotor_token(current_user.id, request.form.get("token", ""))
    )
    if error:
        return _dashboard(400, error)
    flash("Эвотор подключён.", "success")
    return redirect(url_for(".index"))


def _connect_key() -> str:
    return f"connect:{current_user.get_id()}"


# Starting an OAuth flow writes a state row; a script must not be able to do it thousands of times.
# One budget for both providers' starts.
limit_connects = limiter.shared_limit(
    lambda: current_app.config["CONNECT_LIMIT_PER_USER"],
    scope="oauth-connect",
    key_func=_connect_key,
    error_message="Слишком много попыток подключения подряд — подождите несколько минут и попробуйте снова.",
)


@bp.route("/evotor/connect")
@login_required
@limit_connects
def evotor_connect():
    """Send the user to Evotor's authorize page (state + PKCE S256)."""
    if not evotor_oauth_enabled():
        abort(404)
    return start_authorization("evotor", "connections.evotor_callback")


@bp.route("/evotor/callback")
@login_required
def evotor_callback():
    """Evotor's redirect back: exchange the code, save the tokens."""
    _, error = commit_or_refusal(
        lambda: service.complete_evotor_oauth(current_user.id, exchange_code("evotor", request)[0])
    )
    if error:
        return _dashboard(400, error)
    flash("Эвотор подключён.", "success")
    return redirect(url_for(".index"))
