"""Pictures the sandbox serves: Evotor product images, avatars, and test images for uploads."""

from __future__ import annotations

import hashlib
import io
import struct
import uuid
import zlib
from functools import lru_cache

from PIL import Image, ImageDraw

EVOTOR_SIZE = 300


def _colour(key: str, salt: str = "") -> tuple[int, int, int]:
    digest = hashlib.sha256((salt + key).encode()).digest()
    return digest[0], digest[1], digest[2]


def jpeg(width: int, height: int, key: str = "x", quality: int = 85) -> bytes:
    """Return a JPEG of the given size with a pattern derived from ``key`` (distinct keys look different)."""
    img = Image.new("RGB", (width, height), _colour(key))
    draw = ImageDraw.Draw(img)
    draw.ellipse((width // 5, height // 5, width * 4 // 5, height * 4 // 5), fill=_colour(key, "inner"))
    draw.rectangle((0, height - height // 8, width, height), fill=_colour(key, "band"))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def image_id(product_id: str) -> str:
    """Return the stable id of a product's (only) image."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"evosync-sandbox/image/{product_id}"))


@lru_cache(maxsize=512)
def product_image(product_id: str) -> bytes:
    """Return the ≤300×300 JPEG of an Evotor product (smaller than VK's 400×400 minimum on purpose)."""
    return jpeg(EVOTOR_SIZE, EVOTOR_SIZE, product_id)


@lru_cache(maxsize=64)
def avatar(key: str) -> bytes:
    """Return a 200×200 avatar picture for a user or community."""
    return jpeg(200, 200, key)


def size_of(data: bytes) -> tuple[int, int] | None:
    """Return (width, height) of an image, or None if Pillow cannot read it."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.verify()
        with Image.open(io.BytesIO(data)) as img:
            return img.size
    except Exception:
        return None


@lru_cache(maxsize=1)
def decompression_bomb() -> bytes:
    """A tiny PNG whose header claims 14000×13000 pixels (what a hostile image host might serve)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 14000, 13000, 1, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
