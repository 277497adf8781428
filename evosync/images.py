"""Safe decoding of images that come from outside (Evotor product images, merchants' uploads).

Only PNG, JPEG, GIF and WebP are decoded; the pixel count is checked from the header before any pixel is
decoded; and every failure, whatever Pillow raises, becomes one typed error, ``ImageRejected``, that the
caller treats as a problem of that one item. See docs/hostile-inputs.md.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

ALLOWED_FORMATS = ("PNG", "JPEG", "GIF", "WEBP")
# 25 megapixels (5000×5000) decode to ~100 MB of RGBA; Evotor's own images are 300×300.
MAX_PIXELS = 25_000_000
CANVAS_SIDE = 400

MESSAGES_RU = {
    "not_image": "Файл не похож на картинку.",
    "format": "Это не картинка PNG, JPEG, GIF или WebP — загрузите картинку в одном из этих форматов.",
    "too_large": "Картинка слишком большая по числу точек — уменьшите её.",
    "broken": "Картинка повреждена и не открывается.",
}


class ImageRejected(OSError):
    """The bytes are not an image we decode; ``code`` is one of not_image, format, too_large, broken.

    An OSError so code that already handles Pillow's "cannot identify image file" handles this too.
    """

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"image rejected ({code}){': ' + detail if detail else ''}")
        self.code = code
        self.message_ru = MESSAGES_RU[code]


@dataclass(frozen=True)
class ImageInfo:
    """What the header says: Pillow's format name and the size in pixels."""

    format: str
    width: int
    height: int


def _open(data: bytes, max_pixels: int) -> Image.Image:
    """Open (header only) and check format and pixel count; the caller must close the image."""
    if not data:
        raise ImageRejected("not_image", "empty")
    try:
        with warnings.catch_warnings():
            # Pillow warns (and above twice its own limit refuses) about huge images while opening.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Only our formats' parsers ever see the bytes (TIFF, PSD, EPS… are never tried).
            img = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise ImageRejected("too_large", str(exc)) from None
    except UnidentifiedImageError:
        raise ImageRejected("format") from None
    except Exception as exc:
        raise ImageRejected("broken", type(exc).__name__) from None
    if img.format not in ALLOWED_FORMATS:
        img.close()
        raise ImageRejected("format", str(img.format))
    width, height = img.size
    if width <= 0 or height <= 0 or width * height > max_pixels:
        img.close()
        raise ImageRejected("too_large", f"{width}×{height}")
    return img


def probe(data: bytes, max_pixels: int = MAX_PIXELS) -> ImageInfo:
    """Check ``data`` without decoding its pixels; ImageRejected if it would not be decoded."""
    img = _open(data, max_pixels)
    try:
        return ImageInfo(img.format, img.width, img.height)
    finally:
        img.close()


def decode(data: bytes, max_pixels: int = MAX_PIXELS, draft_side: int | None = None) -> Image.Image:
    """Decode the first frame of ``data`` into an RGB or RGBA image; ImageRejected on any failure.

    ``draft_side`` lets JPEG decode at a reduced scale when the result will be shrunk to that side anyway.
    """
    img = _open(data, max_pixels)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            if draft_side and img.format == "JPEG":
                img.draft("RGB", (draft_side, draft_side))
            img.load()
            return img.convert("RGBA") if img.mode in ("RGBA", "LA", "P", "PA") else img.convert("RGB")
    except ImageRejected:
        raise
    except Exception as exc:
        raise ImageRejected("broken", type(exc).__name__) from None
    finally:
        img.close()


def fit_to_canvas(data: bytes, size: int = CANVAS_SIDE, quality: int = 90) -> bytes:
    """Scale an image to fit ``size``×``size`` (keeping its aspect) centred on a white canvas; JPEG bytes."""
    img = decode(data, draft_side=size)
    try:
        scale = min(size / img.width, size / img.height)
        new = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
        img = img.resize(new, Image.Resampling.LANCZOS)
        canvas = Image.new("RGB", (size, size), "white")
        offset = ((size - new[0]) // 2, (size - new[1]) // 2)
        # Transparent pixels become white rather than black (JPEG has no alpha).
        canvas.paste(img, offset, img if img.mode == "RGBA" else None)
        out = io.BytesIO()
        canvas.save(out, "JPEG", quality=quality)
        return out.getvalue()
    except Exception as exc:
        raise ImageRejected("broken", type(exc).__name__) from None
