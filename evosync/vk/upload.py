"""Market photo upload: ``market.getProductPhotoUploadServer`` → POST ``file`` → ``market.saveProductPhoto``.

VK removed the pre-2024 ``photos.getMarketUploadServer`` / ``photos.saveMarketPhoto`` pair (it answers error 3,
unknown method), so there is no fallback. Images are prepared (safely decoded, put on a ≥ 400×400 canvas) by
``evosync.images.fit_to_canvas`` before they get here.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

# Re-exported: decoding images from outside is evosync.images' job (format and pixel checks).
from .batch import CallResult
from .errors import BadResponse
from .schemas import UploadedPhoto

if TYPE_CHECKING:
    from .client import VkClient

MIN_SIDE = 400


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
    server = client.call("market.getProductPhotoUploadServer", group_id=group_id)
    uploaded = client.post_upload(
        _upload_url(server, "market.getProductPhotoUploadServer"), filename, image, content_type
    )
    # saveProductPhoto wants the upload server's whole answer, as the JSON string it came as.
    saved = client.call("market.saveProductPhoto", upload_response=json.dumps(uploaded, ensure_ascii=False))
    return _photo_from_save(saved)


def _photo_from_save(saved: Any) -> UploadedPhoto:
    try:
        photo = saved.get("photo") or {}
        return UploadedPhoto(
            int(saved["photo_id"]), photo.get("owner_id") if isinstance(photo, dict) else None
        )
    except (AttributeError, KeyError, TypeError, ValueError):
        raise BadResponse(None, "saveProductPhoto: no photo_id", "market.saveProductPhoto") from None


class PhotoUploader:
    """Upload many Market photos with one upload server and save them ≤ 25 per ``execute``.

    ``upload(image)`` POSTs to the community's upload server (fetched once, fetched again only when the server
    refuses the URL) and returns the server's answer; ``save(answers)`` saves them through ``execute`` and
    returns one ``CallResult`` per answer (its ``UploadedPhoto`` or its own error). API requests:
    1 + ⌈photos / 25⌉ instead of 2 per photo.
    """

    def __init__(self, client: VkClient, group_id: int):
        """Bind to a community (positive or negative id)."""
        self.client = client
        self.group_id = abs(group_id)
        self._url: str | None = None

    def _server(self, fresh: bool = False) -> str:
        if self._url is None or fresh:
            method = "market.getProductPhotoUploadServer"
            self._url = _upload_url(self.client.call(method, group_id=self.group_id), method)
        return self._url

    def upload(self, image: bytes, filename: str = "photo.jpg", content_type: str = "image/jpeg") -> dict:
        """POST one file; on a refused upload URL fetch a fresh server once and retry."""
        try:
            return self.client.post_upload(self._server(), filename, image, content_type)
        except BadResponse as exc:
            if "URL" not in str(exc).upper():
                raise
            return self.client.post_upload(self._server(fresh=True), filename, image, content_type)

    def save(self, answers: list[dict]) -> list[CallResult]:
        """Save uploaded files via ``execute`` (≤ 25 per request); results in the order of ``answers``."""
        calls = [
            ("market.saveProductPhoto", {"upload_response": json.dumps(a, ensure_ascii=False)})
            for a in answers
        ]
        out = []
        for result in self.client.execute_many(calls):
            if result.ok:
                try:
                    result = CallResult(result.method, result.params, _photo_from_save(result.result))
                except BadResponse as exc:
                    result = CallResult(result.method, result.params, None, exc)
            out.append(result)
        return out
