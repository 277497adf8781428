"""``/catalog/thumb/<product id>``: the owner's product thumbnail (another user's product is 404)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request
from flask_login import current_user, login_required

from evosync.catalog.queries import get_entity_for_user
from evosync.thumbs.service import thumb_for

bp = Blueprint("thumbs", __name__)
# Short: an Evotor image fetched after the refresh replaces the card within minutes; the ETag makes the
# revalidation cheap (304, no rendering).
CACHE_CONTROL = "private, max-age=300"


@bp.route("/catalog/thumb/<product_id>")
@login_required
def thumb(product_id: str):
    """The stored Evotor thumb (JPEG) or the product's card (WebP), with ETag and Cache-Control."""
    product = get_entity_for_user(current_user.id, "product", product_id) or abort(404)
    found = thumb_for(current_user.id, product, request.if_none_match.contains)
    response = Response(found.data, mimetype=found.mimetype, status=200 if found.data else 304)
    response.set_etag(found.etag)
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.vary.add("Cookie")
    return response
