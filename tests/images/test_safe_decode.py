"""Images from outside: only PNG/JPEG/GIF/WebP are decoded, huge ones are refused before decoding, and
every failure is one typed error (so a sync treats it as that item's problem)."""

from __future__ import annotations

import io
import struct
import time
import tracemalloc
import zlib

import pytest
from PIL import Image

from evosync.images import ImageRejected, fit_to_canvas, probe
from evosync.vk.upload import fit_to_canvas as vk_fit_to_canvas


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bomb(width: int = 14000, height: int = 13000) -> bytes:
    """A valid 1-bit PNG of width×height black pixels: tens of KB on disk, 182 Mpx once decoded."""
    squash = zlib.compressobj(9)
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    idat = b"".join(squash.compress(row) for _ in range(height)) + squash.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def _saved(fmt: str, size=(300, 300), mode="RGB", **kw) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (10, 120, 200) if mode == "RGB" else 0).save(out, fmt, **kw)
    return out.getvalue()


def test_a_decompression_bomb_is_refused_before_decoding():
    bomb = png_bomb()
    assert len(bomb) < 40_000
    tracemalloc.start()
    started = time.monotonic()
    with pytest.raises(ImageRejected) as info:
        fit_to_canvas(bomb)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert info.value.code == "too_large" and "слишком большая" in info.value.message_ru
    assert time.monotonic() - started < 1.0 and peak < 5_000_000  # nothing was decoded


def test_a_large_but_not_pillow_bomb_image_is_refused_by_our_cap():
    with pytest.raises(ImageRejected) as info:
        probe(png_bomb(6000, 6000))  # 36 Mpx: below Pillow's own warning level, above ours
    assert info.value.code == "too_large"


def test_tiff_is_not_decoded():
    tiff = _saved("TIFF")
    with pytest.raises(ImageRejected) as info:
        fit_to_canvas(tiff)
    assert info.value.code == "format" and "PNG, JPEG, GIF или WebP" in info.value.message_ru


@pytest.mark.parametrize(
    "data",
    [b"", b"garbage bytes, not a picture", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, _saved("PNG")[:200]],
    ids=["empty", "garbage", "png-signature-only", "truncated-png"],
)
def test_garbage_and_broken_bytes_are_one_typed_error(data):
    with pytest.raises(ImageRejected) as info:
        vk_fit_to_canvas(data)  # the VK upload path uses the same safe decoder
    assert info.value.code in {"not_image", "format", "broken"}
    assert isinstance(info.value, OSError)  # callers that handle Pillow's OSError handle this too


@pytest.mark.parametrize(
    ("fmt", "mode", "kw"),
    [("PNG", "RGB", {}), ("JPEG", "RGB", {}), ("GIF", "P", {}), ("WEBP", "RGB", {"quality": 80})],
)
def test_the_four_formats_become_a_400_square_jpeg(fmt, mode, kw):
    data = fit_to_canvas(_saved(fmt, (300, 150), mode=mode, **kw))
    with Image.open(io.BytesIO(data)) as img:
        assert (img.format, img.size) == ("JPEG", (400, 400))


def test_probe_reads_the_header_only():
    info = probe(_saved("PNG", (640, 480)))
    assert (info.format, info.width, info.height) == ("PNG", 640, 480)
