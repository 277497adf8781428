"""The connections dashboard (the connect flows arrive with the connections feature)."""

from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("connections", __name__)


@bp.route("/connections")
@login_required
def index():
    """One card per provider with its state."""
    return render_template("connections/page.html")
