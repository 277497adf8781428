"""The catalog browser (stores, groups, products and rules arrive with the catalog feature)."""

from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("catalog", __name__)


@bp.route("/catalog")
@login_required
def index():
    """Stores table, then a store's groups and products."""
    return render_template("catalog/page.html")
