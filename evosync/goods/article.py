"""The VK ``sku`` of an item: VK shows it to buyers as «арт.», so it is the merchant's own article or nothing.

Evotor's ``article_number`` (up to 20 characters) when the product has one; never an Evotor id or anything else
that looks like a UUID or a bare hex/number identifier a buyer cannot read.
"""

from __future__ import annotations

import re

SKU_MAX = 50  # VK's limit on ``sku``
_UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}", re.IGNORECASE)
# Evotor store/user ids: 20240115-3A7C-4B2E-80D1-6F2A9C4E1B01, 01-000000000012345.
_EVOTOR_ID = re.compile(r"(?:[0-9a-f]{2,8}-){2,}[0-9a-f]{4,}|\d{2}-\d{9,}", re.IGNORECASE)
_LONG_HEX = re.compile(r"[0-9a-f]{24,}", re.IGNORECASE)


def looks_like_id(text: str) -> bool:
    """True for UUIDs (any case, with or without dashes, in braces), Evotor ids and long hex strings."""
    core = text.strip().strip("{}()[]")
    return bool(_UUID.search(core) or _EVOTOR_ID.fullmatch(core) or _LONG_HEX.search(core))


def vk_sku(article_number: str | None) -> str | None:
    """The ``sku`` to send for a product with this Evotor article, or None to send none."""
    if article_number is None:
        return None
    text = " ".join(str(article_number).split())
    if not text or looks_like_id(text):
        return None
    return text[:SKU_MAX]
