"""Market photo upload: ``market.getProductPhotoUploadServer`` → POST ``file`` → ``market.saveProductPhoto``,
falling back to ``photos.getMarketUploadServer`` → POST → ``photos.saveMarketPhoto`` when VK does not know the
new method (error 3). Also ``fit_to_canvas`` to make Evotor's small images acceptable (VK wants ≥ 400×400).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

# Re-exported: decoding images from outside is evosync.images' job (format and pixel checks).
from evosync.images import fit_to_canvas

from .errors import BadResponse, UnknownMethod
from .schemas import UploadedPhoto

if TYPE_CHECKING:
    from .client import VkClient

MIN_SIDE = 400
__all__ = ["MIN_SIDE", "fit_to_canvas", "upload_product_photo"]


def _upload_url(resp: Any, method: str) -> str:
    """``upload_url`` of a getUploadServer answer."""
    url = resp.get("upload_url") if isinstance(resp, dict) else None
    if not isinstance(url, str) or not url:
        raise BadResponse(None, "no upload_url in the answer", method)
    return url


def upload_product_photo(
    client: VkClient,
    group_id: int,
    image: bytes,
    filename: str = "photo.jpg",
    content_type: str = "image/jpeg",
) -> UploadedPhoto:
    """Upload ``image`` as a Market photo of community ``group_id`` (positive id); returns its photo id."""
    group_id = abs(group_id)
    try:
        server = client.call("market.getProductPhotoUploadServer", group_id=group_id)
    except UnknownMethod:
        return _upload_legacy(client, group_id, image, filename, content_type)
    uploaded = client.post_upload(
        _upload_url(server, "market.getProductPhotoUploadServer"), filename, image, content_type
    )
    # saveProductPhoto wants the upload server's whole answer, as the JSON string it came as.
    saved = client.call("market.saveProductPhoto", upload_response=json.dumps(uploaded, ensure_ascii=False))
    try:
        photo = saved.get("photo") or {}
        return UploadedPhoto(
            int(saved["photo_id"]), photo.get("owner_id") if isinstance(photo, dict) else None
        )
    except (AttributeError, KeyError, TypeError, ValueError):
        raise BadResponse(None, "saveProductPhoto: no photo_id", "market.saveProductPhoto") from None


def _upload_legacy(
    client: VkClient, group_id: int, image: bytes, filename: str, content_type: str
) -> UploadedPhoto:
    """The pre-2024 flow through ``photos.getMarketUploadServer`` / ``photos.saveMarketPhoto``."""
    server = client.call("photos.getMarketUploadServer", group_id=group_id, main_photo=1)
    uploaded = client.post_upload(
        _upload_url(server, "photos.getMarketUploadServer"), filename, image, content_type
    )
    keys = ("photo", "server", "hash", "crop_data", "crop_hash")
    saved = client.call("photos.saveMarketPhoto", group_id=group_id, **{k: uploaded.get(k) for k in keys})
    try:
        first = saved[0]
        return UploadedPhoto(int(first["id"]), first.get("owner_id"), legacy=True)
    except (IndexError, KeyError, TypeError, ValueError):
        raise BadResponse(None, "saveMarketPhoto: no photo", "photos.saveMarketPhoto") from None
