"""The one place EvoSync decodes an image it did not make (Evotor's product images, the merchant's placeholder).

Only PNG, JPEG, GIF and WebP are opened, and the pixel count is checked from the header before any pixel is
decoded, so a «decompression bomb» is refused instead of filling memory. Every caller goes through
``open_image`` so a stricter decoder can replace it in one place.
"""

from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError

FORMATS = ("PNG", "JPEG", "GIF", "WEBP")
MAX_PIXELS = 40_000_000  # 40 Mpx: larger than any product photo, far below what would exhaust memory


class BadImage(ValueError):
    """The bytes are not an image EvoSync accepts (unknown format, corrupt, or too many pixels)."""


def open_image(data: bytes, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Decode ``data`` (first frame) into a loaded ``Image``; ``BadImage`` for anything else."""
    try:
        src = Image.open(io.BytesIO(data), formats=FORMATS)
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise BadImage(f"not a PNG/JPEG/GIF/WebP image: {exc}") from None
    with src:
        width, height = src.size
        if width <= 0 or height <= 0 or width * height > max_pixels:
            raise BadImage(f"image of {width}×{height} pixels refused")
        try:
            src.seek(0)
            src.load()
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            raise BadImage(f"corrupt image: {exc}") from None
        return src.copy()
