"""Emulated Evotor cloud REST API v2: stores, product groups, products (cursor-paged) and product images."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime

from flask import Blueprint, Response, abort, g, request, url_for

from . import catalog, faults, images
from .page_cache import PRODUCT_PAGES
from .runtime import public_url, state
from .state import bump, get_meta
from .tokens import lookup

bp = Blueprint("sandbox_evotor", __name__)
files_bp = Blueprint("sandbox_evotor_files", __name__)

PAGE_SIZE = 1000
RATE_LIMIT = 5000
CONTENT_TYPE = "application/vnd.evotor.v2+json;charset=UTF-8"


def _json(payload, status: int = 200, reset: int = 60) -> Response:
    return _body(json.dumps(payload, ensure_ascii=False), status, reset)


def _body(body: str | bytes, status: int = 200, reset: int = 60) -> Response:
    resp = Response(body, status=status, content_type=CONTENT_TYPE)
    # Every Evotor response carries the rate-limit headers (evotor-api.md §5).
    resp.headers["X-RateLimit-Limit"] = str(RATE_LIMIT)
    resp.headers["X-RateLimit-Remaining"] = str(0 if status == 429 else RATE_LIMIT - 1)
    resp.headers["X-RateLimit-Reset"] = str(reset)
    return resp


def _error(status: int, code: str, message: str, reset: int = 60) -> Response:
    return _json({"code": code, "message": message}, status, reset)


@bp.before_request
def _authenticate():
    """Check the token and the switchable faults before any Evotor route runs."""
    g.sandbox_service = "evotor"
    failure = faults.delay(state(), "evotor")
    if failure:
        return _error(failure, "internal_error", "Internal Server Error")
    header = request.headers.get("Authorization", "")
    token = (
        header[7:].strip() if header.lower().startswith("bearer ") else request.headers.get("X-Authorization")
    )
    if not token:
        return _error(401, "unauthorized", "Full authentication is required to access this resource")
    g.sandbox_token = token
    with state().connect() as conn:
        bump(conn, f"evotor:{request.endpoint.split('.')[-1]}")
        fault = faults.take(conn, "evotor_error", "evotor")
        row = lookup(conn, token, "evotor")
        g.evotor_scope = row["scope"].split() if row else []
        g.evotor_seed = get_meta(conn, "seed", 1)
        g.evotor_sizes = catalog.store_sizes(get_meta(conn, "products", 300))
    if fault:
        status = int(fault.get("status", 500))
        messages = {401: "Invalid token", 403: "Нет доступа к ресурсу", 429: "Rate Limit Exceeded"}
        return _error(
            status,
            f"http_{status}",
            messages.get(status, "Internal Server Error"),
            reset=int(fault.get("reset", 1)),
        )
    if row is None:
        return _error(401, "unauthorized", "Invalid token")
    return None


def _need(scope: str) -> None:
    if scope not in g.evotor_scope:
        abort(_error(403, "forbidden", f"Нет доступа: приложению не выдано право {scope}"))


def _store_or_404(store_id: str) -> None:
    if store_id not in catalog.PRODUCT_PREFIX:
        abort(_error(404, "not_found", "Store not found"))


def _cursor_start() -> int:
    raw = request.args.get("cursor")
    if not raw:
        return 0
    try:
        return int(json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))["o"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        abort(_error(400, "validation_failed", "invalid cursor"))


def _cursor(offset: int) -> str:
    # Opaque to clients, like Evotor's; it only encodes where the next page starts.
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")


def _page(items: list[dict], start: int) -> Response:
    chunk = items[start : start + PAGE_SIZE]
    paging = {"next_cursor": _cursor(start + PAGE_SIZE)} if start + PAGE_SIZE < len(items) else {}
    return _json({"items": chunk, "paging": paging})


@bp.get("/stores")
def stores():
    """List the merchant's stores."""
    _need("store:read")
    return _page(catalog.stores(), _cursor_start())


@bp.get("/stores/<store_id>")
def store(store_id: str):
    """Return one store."""
    _need("store:read")
    _store_or_404(store_id)
    return _json(next(s for s in catalog.stores() if s["id"] == store_id))


@bp.get("/stores/<store_id>/product-groups")
def product_groups(store_id: str):
    """List a store's product groups."""
    _need("product-group:read")
    _store_or_404(store_id)
    return _page(catalog.groups(store_id), _cursor_start())


@bp.get("/stores/<store_id>/product-groups/<group_id>")
def product_group(store_id: str, group_id: str):
    """Return one product group."""
    _need("product-group:read")
    _store_or_404(store_id)
    for group in catalog.groups(store_id):
        if group["id"] == group_id:
            return _json(group)
    return _error(404, "not_found", "Product group not found")


def _since_ms() -> int | None:
    raw = request.args.get("since")
    if raw is None:
        return None
    if not raw.isdigit():
        abort(_error(400, "validation_failed", "since must be epoch milliseconds"))
    return int(raw)


def _updated_ms(product: dict) -> int:
    stamp = product["updated_at"].replace("+0000", "+00:00")
    return int(datetime.fromisoformat(stamp).timestamp() * 1000)


@bp.get("/stores/<store_id>/products")
def products(store_id: str):
    """List a store's products, 1000 per page, generated on the fly with stored changes laid over."""
    _need("product:read")
    _store_or_404(store_id)
    start, since = _cursor_start(), _since_ms()
    with state().connect() as conn:
        overrides = catalog.override_rows(conn, store_id)
    with_quantity = "product.quantity:read" in g.evotor_scope
    size = g.evotor_sizes[store_id]
    # Everything the page depends on: a cached body is exactly what generating it again would give.
    key = (g.evotor_seed, store_id, size, start, since, with_quantity, overrides)
    body = PRODUCT_PAGES.get(key)
    if body is None:
        body = _products_page(store_id, size, start, since, with_quantity, overrides)
        PRODUCT_PAGES.put(key, body)
    return _body(body)


def _products_page(store_id: str, size: int, start: int, since, with_quantity: bool, overrides) -> bytes:
    changes, added = catalog.parse_overrides(overrides)
    total = size + len(added)
    items, position = [], start
    # Walk the generated sequence then the added products, skipping deletions, until a page is full.
    while position < total and len(items) < PAGE_SIZE:
        if position < size:
            pid = catalog.product_id(store_id, position + 1)
            product = catalog.generate(g.evotor_seed, store_id, position + 1)
            product = catalog.apply_change(product, changes.get(pid))
        else:
            product = added[position - size]
            product = None if product.get("_deleted") else product
        position += 1
        if product is None or (since is not None and _updated_ms(product) < since):
            continue
        items.append(catalog.public(product, with_quantity))
    paging = {"next_cursor": _cursor(position)} if position < total else {}
    return json.dumps({"items": items, "paging": paging}, ensure_ascii=False).encode()


def find_product(store_id: str, product_id: str) -> dict | None:
    """Return the current state of one product (generated or added), or None if absent or deleted."""
    with state().connect() as conn:
        changes, added = catalog.load_overrides(conn, store_id)
        seed = get_meta(conn, "seed", 1)
        sizes = catalog.store_sizes(get_meta(conn, "products", 300))
    parsed = catalog.parse_product_id(product_id)
    if parsed and parsed[0] == store_id and 1 <= parsed[1] <= sizes[store_id]:
        return catalog.apply_change(catalog.generate(seed, store_id, parsed[1]), changes.get(product_id))
    for product in added:
        if product["id"] == product_id and not product.get("_deleted"):
            return product
    return None


@bp.get("/stores/<store_id>/products/<product_id>")
def product(store_id: str, product_id: str):
    """Return one product."""
    _need("product:read")
    _store_or_404(store_id)
    found = find_product(store_id, product_id)
    if found is None:
        return _error(404, "not_found", "Product not found")
    return _json(catalog.public(found, "product.quantity:read" in g.evotor_scope))


def _image_items(store_id: str, product_id: str) -> list[dict]:
    found = find_product(store_id, product_id)
    if found is None:
        abort(_error(404, "not_found", "Product not found"))
    if not found.get("_image"):
        return []
    blob = images.product_image(product_id)
    return [
        {
            "id": images.image_id(product_id),
            "user_id": catalog.USER_ID,
            "store_id": store_id,
            "product_id": product_id,
            "url": public_url() + url_for("sandbox_evotor_files.image", product_id=product_id),
            "meta": {
                "extension": "jpeg",
                "file_size": len(blob),
                "width": images.EVOTOR_SIZE,
                "height": images.EVOTOR_SIZE,
            },
            "created_at": found["created_at"],
            "updated_at": found["updated_at"],
        }
    ]


@bp.get("/stores/<store_id>/products/<product_id>/images")
def product_images(store_id: str, product_id: str):
    """List a product's images (at most one, as in Evotor)."""
    _need("product:read")
    _store_or_404(store_id)
    return _json({"items": _image_items(store_id, product_id), "paging": {}})


@bp.get("/stores/<store_id>/products/<product_id>/images/<image_id>")
def product_image(store_id: str, product_id: str, image_id: str):
    """Return one image object of a product."""
    _need("product:read")
    _store_or_404(store_id)
    for item in _image_items(store_id, product_id):
        if item["id"] == image_id:
            return _json(item)
    return _error(404, "not_found", "Image not found")


@files_bp.get("/evotor/files/images/<product_id>.jpg")
def image(product_id: str):
    """Serve a product's picture (the URL in its image object; no token needed, like a CDN)."""
    found = [find_product(store["id"], product_id) for store in catalog.STORES]
    if any(p is not None and p.get("_image") == "bomb" for p in found):
        return Response(images.decompression_bomb(), content_type="image/png")
    return Response(images.product_image(product_id), content_type="image/jpeg")
