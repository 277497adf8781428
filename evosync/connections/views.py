"""The connections dashboard and the connect / callback / community / check / disconnect routes."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from evosync.connections import service
from evosync.connections.callbacks import PROVIDER_NAMES, exchange_code
from evosync.connections.errors import ConnectionProblem
from evosync.connections.health import check_connection
from evosync.connections.oauth import evotor_oauth_enabled, start_authorization, vk_oauth_enabled
from evosync.connections.queries import connections_by_provider, get_connection
from evosync.extensions import db
from evosync.htmx import is_htmx
from evosync.refusals import commit_or_refusal
from evosync.throttles import limit_connects

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


@bp.route("/vk/connect")
@login_required
@limit_connects
def vk_connect():
    """Send the user to VK ID (state + PKCE S256 + the configured scopes)."""
    if not vk_oauth_enabled():
        abort(404)
    return start_authorization("vk", "connections.vk_callback")


@bp.route("/vk/callback")
@login_required
def vk_callback():
    """VK ID's redirect back: exchange code + verifier + device_id at VK's token URL only."""
    connection, error = commit_or_refusal(
        lambda: service.complete_vk_oauth(current_user.id, *exchange_code("vk", request))
    )
    if error:
        return _dashboard(400, error)
    if connection.vk_group_id is None:
        flash("ВКонтакте подключён. Выберите сообщество для товаров.", "success")
        return redirect(url_for(".vk_community"))
    flash("ВКонтакте подключён.", "success")
    return redirect(url_for(".index"))


@bp.route("/vk/community", methods=["GET", "POST"])
@login_required
def vk_community():
    """Pick the community (only those the user administers) whose Market receives the goods."""
    connection = _own_connection("vk")
    if request.method == "POST":
        group, error = commit_or_refusal(
            lambda: service.choose_community(connection, request.form.get("group_id", ""))
        )
        if error:
            return _picker(connection, error, 400)
        if group.market_enabled is False:
            flash(
                f"Выбрано сообщество: {group.name}. В нём выключены Товары — включите их в настройках.",
                "warning",
            )
        else:
            flash(f"Выбрано сообщество: {group.name}.", "success")
        return redirect(url_for(".index"))
    return _picker(connection)


def _picker(connection, error: str | None = None, status: int = 200):
    try:
        groups = service.admin_communities(connection)
    except ConnectionProblem as exc:
        groups, error = [], error or exc.message_ru
    db.session.commit()  # a token refresh may have happened
    return render_template(
        "connections/community.html", connection=connection, groups=groups, error=error
    ), status


@bp.route("/<any(evotor, vk):provider>/disconnect", methods=["GET", "POST"])
@login_required
def disconnect(provider: str):
    """Confirm, then revoke (VK) and delete the tokens."""
    connection = _own_connection(provider)
    if request.method == "GET":
        return render_template(
            "connections/disconnect.html", provider=provider, name=PROVIDER_NAMES[provider]
        )
    service.disconnect(connection)
    db.session.commit()
    flash(
        f"{PROVIDER_NAMES[provider]} отключён. Синхронизация не будет работать, пока вы не подключите его снова.",
        "info",
    )
    return redirect(url_for(".index"))
