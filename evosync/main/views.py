"""Home redirect and the unauthenticated health check."""

from flask import Blueprint, jsonify, redirect, url_for
from flask_login import current_user

bp = Blueprint("main", __name__)


@bp.route("/")
def index():
    """Send visitors to the dashboard or to the login page."""
    return redirect(url_for("connections.index" if current_user.is_authenticated else "auth.login"))


@bp.route("/healthz")
def healthz():
    """Liveness probe for load balancers and monitoring."""
    return jsonify(status="ok")
