"""Main photos for VK items: one photo per item (VK binds a Market photo to a single item).

A product with an image in Evotor gets that image on a ≥ 400×400 canvas; any other product gets its own
generated card (evosync/goods/cards.py: name and price, on the merchant's placeholder when one is set). The
images of a batch are POSTed to one upload server (``PhotoUploader``: reused while VK accepts it) and saved
≤ 25 per ``execute``. See docs/sync.md, «Photos».
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from evosync.evotor.client import EvotorClient
from evosync.evotor.errors import EvotorError
from evosync.goods.cards import render_card
from evosync.images import ImageRejected, decode, fit_to_canvas
from evosync.sync.config.models import SyncSettings
from evosync.sync.engine.items import SourceProduct, VkItem, card_source
from evosync.vk.errors import ItemError

log = logging.getLogger(__name__)


class PhotoProblem(ItemError):
    """The product's image could not be turned into a VK photo (per-item error)."""


@dataclass(frozen=True, slots=True)
class PhotoFile:
    """One image ready to upload and the ``photo_source`` it stands for."""

    data: bytes
    source: str  # "evotor" or "card:<digest>"
    filename: str
    content_type: str


def card_key(placeholder: bytes | None) -> str:
    """Digest of the cards' background (the merchant's placeholder); "" for the plain tinted cards."""
    return hashlib.sha256(placeholder).hexdigest()[:16] if placeholder else ""


def usable_placeholder(settings: SyncSettings | None) -> bytes | None:
    """The merchant's placeholder when set and decodable (the cards' background), else None."""
    data = settings.placeholder_image if settings is not None else None
    if not data:
        return None
    try:
        decode(data)
    except ImageRejected:
        log.info("user %s: placeholder image unusable, plain cards instead", settings.user_id)
        return None
    return data


class Photos:
    """Builds the image for each item of a run: the Evotor image, else the product's card."""

    def __init__(self, evotor: EvotorClient | None, placeholder: bytes | None, shop_name: str | None = None):
        self.evotor = evotor
        self.placeholder = placeholder
        self.shop_name = shop_name
        self.key = card_key(placeholder)
        self.notes: list[tuple[str, str]] = []  # (sku, why its Evotor image gave way to the card)

    def evotor_image(self, product: SourceProduct) -> bytes | None:
        """The product's Evotor image bytes, or None when Evotor has none (or cannot say now)."""
        if self.evotor is None:
            return None
        try:
            return self.evotor.product_image(product.store_id, product.id) or None
        except EvotorError as exc:
            log.info("Evotor image of %s unavailable: %s", product.id, exc)
            return None

    def file_for(self, item: VkItem, product: SourceProduct) -> PhotoFile:
        """The image to upload for ``item``: its Evotor image when it has one, else its card."""
        if item.photo_source in ("evotor", "auto"):
            data = self.evotor_image(product)
            if data:
                try:
                    return PhotoFile(fit_to_canvas(data), "evotor", "photo.jpg", "image/jpeg")
                except ImageRejected as exc:
                    # One bad image never stops a shop's sync: the item gets its card, the run a note.
                    log.warning(
                        "Evotor image of %s refused (%s): the item gets its card", product.id, exc.code
                    )
                    self.notes.append((item.sku, exc.message_ru))
        card = render_card(
            product.id,
            item.fields["name"],
            item.fields["price"],
            shop_name=self.shop_name,
            placeholder=self.placeholder,
        )
        source = item.card_source or card_source(item.fields["name"], item.fields["price"], self.key)
        return PhotoFile(card, source, "card.png", "image/png")
