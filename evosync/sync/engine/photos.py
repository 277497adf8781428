"""Main photos for VK items: the product's Evotor image on a 400×400 canvas, else the user's placeholder.

The placeholder is uploaded once per community (per image digest) and its photo id reused by every item.
Uploads go outside ``execute`` (VK does not allow upload saves inside it).
"""

from __future__ import annotations

import hashlib
import io
import logging
from pathlib import Path

from PIL import Image, UnidentifiedImageError
from sqlalchemy import select

from evosync.evotor.client import EvotorClient
from evosync.evotor.errors import EvotorError
from evosync.extensions import db
from evosync.sync.config.models import SyncSettings
from evosync.sync.engine.models import SyncPlaceholderPhoto
from evosync.vk.client import VkClient
from evosync.vk.errors import ItemError
from evosync.vk.upload import fit_to_canvas

log = logging.getLogger(__name__)

DEFAULT_PLACEHOLDER = Path(__file__).resolve().parent.parent / "static" / "img" / "placeholder.jpg"


class PhotoProblem(ItemError):
    """The product's image could not be turned into a VK photo (per-item error)."""


def default_placeholder() -> bytes:
    """The shipped placeholder image (a plain grey square when the file is absent)."""
    if DEFAULT_PLACEHOLDER.exists():
        return DEFAULT_PLACEHOLDER.read_bytes()
    out = io.BytesIO()
    Image.new("RGB", (400, 400), (236, 238, 241)).save(out, "JPEG", quality=85)
    return out.getvalue()


def placeholder_bytes(settings: SyncSettings | None) -> bytes:
    """The user's placeholder image, or the default one."""
    if settings is not None and settings.placeholder_image:
        return settings.placeholder_image
    return default_placeholder()


class Photos:
    """Photo ids for one run: uploads Evotor images per item and the placeholder once per community."""

    def __init__(self, user_id: int, group_id: int, evotor: EvotorClient | None, placeholder: bytes):
        self.user_id = user_id
        self.group_id = group_id
        self.evotor = evotor
        self.placeholder = placeholder
        self._placeholder_id: int | None = None

    def placeholder_id(self, client: VkClient) -> int:
        """The community's placeholder photo id, uploading it the first time (committed by the caller)."""
        if self._placeholder_id is not None:
            return self._placeholder_id
        digest = hashlib.sha256(self.placeholder).hexdigest()
        row = db.session.scalar(
            select(SyncPlaceholderPhoto).where(
                SyncPlaceholderPhoto.user_id == self.user_id,
                SyncPlaceholderPhoto.vk_group_id == self.group_id,
                SyncPlaceholderPhoto.digest == digest,
            )
        )
        if row is None:
            try:
                image = fit_to_canvas(self.placeholder)
            except (UnidentifiedImageError, OSError):
                image = fit_to_canvas(default_placeholder())
            photo = client.upload_product_photo(self.group_id, image)
            row = SyncPlaceholderPhoto(
                user_id=self.user_id, vk_group_id=self.group_id, digest=digest, photo_id=photo.id
            )
            db.session.add(row)
            db.session.flush()
        self._placeholder_id = row.photo_id
        return row.photo_id

    def product_photo_id(self, client: VkClient, store_id: str, product_id: str) -> tuple[int, str]:
        """Upload the product's Evotor image → (photo id, "evotor"); the placeholder when Evotor has none."""
        data = None
        if self.evotor is not None:
            try:
                data = self.evotor.product_image(store_id, product_id)
            except EvotorError as exc:
                log.info("Evotor image of %s unavailable: %s", product_id, exc)
        if not data:
            return self.placeholder_id(client), "placeholder"
        try:
            image = fit_to_canvas(data)
        except (UnidentifiedImageError, OSError):
            raise PhotoProblem(
                None,
                "the Evotor image is not a picture",
                "upload",
                hint_ru="Картинка товара в Эвоторе повреждена или в неизвестном формате — загрузите другую.",
            ) from None
        return client.upload_product_photo(self.group_id, image).id, "evotor"
