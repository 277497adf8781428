"""Thumbnails of catalog products: the Evotor image when one was fetched, else the product's card.

A page render never fetches anything: the route serves either the stored thumb of the product's Evotor
image (``store_evotor_thumbs``, run by a background task after a catalog refresh, every byte through the
Evotor client's bounded fetcher and the safe decoder) or the product's card rendered small and kept in a
process cache. An image Evotor refuses to hand over, or that the decoder rejects (a decompression bomb, a
broken file), is remembered as «no image» and the card stands in. See docs/ui.md, «Thumbnails».
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from evosync.catalog.models import CatalogProduct
from evosync.db import utcnow
from evosync.evotor.client import EvotorClient
from evosync.evotor.errors import BadResponse, EvotorError, RightsMissing, TokenInvalid
from evosync.extensions import db
from evosync.goods.cards import card_image
from evosync.images import ImageRejected, fit_to_canvas
from evosync.thumbs.models import ProductThumb

log = logging.getLogger(__name__)

# Served at twice the size the row shows (48 CSS px), so it is sharp on a HiDPI screen.
SIDE = 96
CARD_VERSION = "1"
BATCH = 100
COMMIT_EVERY = 20


@dataclass(frozen=True)
class Thumb:
    """Bytes to serve, their type and an ETag that changes when the picture does."""

    data: bytes
    mimetype: str
    etag: str


def card_etag(product: CatalogProduct) -> str:
    """The card thumb's ETag: what the card shows (name and price) and the card's layout version."""
    text = f"{CARD_VERSION}|{product.evotor_id}|{product.name}|{_price(product.price)}"
    return "c" + hashlib.sha256(text.encode()).hexdigest()[:24]


def _price(price: Decimal | None) -> str:
    return "" if price is None else f"{Decimal(price):.2f}"


@lru_cache(maxsize=4096)
def _card_webp(key: str, name: str, price: str) -> bytes:
    image = card_image(key, name, Decimal(price) if price else None, size=SIDE)
    out = io.BytesIO()
    image.save(out, "WEBP", quality=85)
    return out.getvalue()


def stored_thumb(user_id: int, product: CatalogProduct) -> ProductThumb | None:
    """The product's current Evotor thumb row (data present, fetched for this content), or None."""
    return db.session.scalar(
        select(ProductThumb).where(
            ProductThumb.user_id == user_id,
            ProductThumb.product_id == product.evotor_id,
            ProductThumb.product_hash == product.content_hash,
            ProductThumb.data.is_not(None),
        )
    )


def thumb_for(user_id: int, product: CatalogProduct, if_none_match: Callable[[str], bool]) -> Thumb:
    """The thumb to serve; ``data`` is empty when ``if_none_match(etag)`` says the browser has it."""
    row = stored_thumb(user_id, product)
    if row is not None:
        return Thumb(b"" if if_none_match(row.etag) else row.data, "image/jpeg", row.etag)
    etag = card_etag(product)
    if if_none_match(etag):
        return Thumb(b"", "image/webp", etag)
    return Thumb(_card_webp(product.evotor_id, product.name or "", _price(product.price)), "image/webp", etag)


def pending(user_id: int, after_id: int, limit: int) -> list[CatalogProduct]:
    """Products after ``after_id`` that may have an Evotor image and have no thumb for their content."""
    current = (
        select(ProductThumb.id)
        .where(
            ProductThumb.user_id == user_id,
            ProductThumb.product_id == CatalogProduct.evotor_id,
            ProductThumb.product_hash == CatalogProduct.content_hash,
        )
        .exists()
    )
    query = (
        select(CatalogProduct)
        .where(
            CatalogProduct.user_id == user_id,
            CatalogProduct.id > after_id,
            CatalogProduct.has_image.is_not(False),  # None: the listing did not say; ask
            ~current,
        )
        .order_by(CatalogProduct.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def evotor_thumb(client: EvotorClient, product: CatalogProduct) -> tuple[bytes | None, str]:
    """The small JPEG of the product's Evotor image and a note; (None, why) when there is none to show.

    Transient failures (Evotor unreachable, rate limited) raise EvotorError: nothing is remembered and the
    next refresh asks again. A wrong token or missing rights raise too (the caller stops).
    """
    try:
        data = client.product_image(product.store_id, product.evotor_id)
    except BadResponse as exc:  # refused by the fetch policy, too large, or not an image answer
        log.info("Evotor image of %s refused: %s", product.evotor_id, exc)
        return None, "refused"
    if not data:
        return None, "none"
    try:
        return fit_to_canvas(data, size=SIDE, quality=80), "evotor"
    except ImageRejected as exc:
        log.info("Evotor image of %s rejected (%s): the card stands in", product.evotor_id, exc.code)
        return None, exc.code


def _save(user_id: int, product: CatalogProduct, data: bytes | None, note: str) -> None:
    row = db.session.scalar(
        select(ProductThumb).where(
            ProductThumb.user_id == user_id, ProductThumb.product_id == product.evotor_id
        )
    )
    if row is None:
        row = ProductThumb(user_id=user_id, product_id=product.evotor_id)
        db.session.add(row)
    row.product_hash = product.content_hash
    row.data = data
    row.etag = "e" + hashlib.sha256(data).hexdigest()[:24] if data else None
    row.note = note
    row.fetched_at = utcnow()


def store_evotor_thumbs(
    user_id: int, client: EvotorClient, after_id: int = 0, limit: int = BATCH
) -> int | None:
    """Fetch and store up to ``limit`` products' thumbs after ``after_id``; commits every few (a task's edge).

    Returns the last product id handled when more may remain (the caller continues from there), else None.
    """
    products = pending(user_id, after_id, limit)
    db.session.commit()
    for done, product in enumerate(products, 1):
        try:
            data, note = evotor_thumb(client, product)
        except (TokenInvalid, RightsMissing):
            log.info("user %s: Evotor refuses the token, thumbnails wait for the next refresh", user_id)
            return None
        except EvotorError as exc:
            log.info("Evotor image of %s unavailable now: %s", product.evotor_id, exc)
            continue
        _save(user_id, product, data, note)
        if done % COMMIT_EVERY == 0:
            _commit()
    _commit()
    return products[-1].id if len(products) == limit else None


def _commit() -> None:
    try:
        db.session.commit()
    except IntegrityError:  # another task stored the same product meanwhile: its row stands
        db.session.rollback()
