"""The override button of a catalog product row: «Это не запрещённый товар» / «Похоже на запрещённый»."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from evosync.extensions import db
from evosync.goods import service

bp = Blueprint("goods", __name__)


@bp.route("/goods/products/<product_id>/name-guess", methods=["POST"])
@login_required
def name_guess(product_id: str):
    """Override (``allowed=1``) or restore the name guess of one product, then back to the catalog."""
    allowed = request.form.get("allowed") == "1"
    product = service.set_override(current_user.id, product_id, allowed) or abort(404)
    db.session.commit()
    flash(
        f"«{product.name}» будет публиковаться." if allowed else f"«{product.name}» не будет публиковаться.",
        "success",
    )
    return redirect(url_for("catalog.products", q=request.form.get("q") or None), 303)


@bp.app_template_global("goods_row_verdicts")
def goods_row_verdicts(product):
    """(verdict, name guess) for a catalog row (templates), the name matched once."""
    return service.row_verdicts(product)
