"""The /sync page (switch, status, plan and history arrive with the sync features)."""

from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("sync", __name__)


@bp.route("/sync")
@login_required
def index():
    """Master switch, status, filter summary, plan preview, history."""
    return render_template("sync/page.html")
