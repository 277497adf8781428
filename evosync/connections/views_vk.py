"""VK routes: connect, callback, community picker, disconnect (registered on the connections blueprint)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from evosync.connections import service
from evosync.connections.callbacks import PROVIDER_NAMES, exchange_code
from evosync.connections.errors import ConnectionProblem
from evosync.connections.oauth import start_authorization, vk_oauth_enabled
from evosync.connections.views import _dashboard, _own_connection, bp, limit_connects
from evosync.extensions import db
from evosync.refusals import commit_or_refusal


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
                f"Сообщество «{group.name}» выбрано, но в нём выключены Товары — включите их в настройках.",
                "warning",
            )
        else:
            flash(f"Сообщество «{group.name}» выбрано.", "success")
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
