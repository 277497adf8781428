"""The image helper that turns Evotor's small pictures into VK-acceptable 400×400 JPEGs."""

from __future__ import annotations

import io

from PIL import Image

from evosync.images import fit_to_canvas


def png(size: tuple[int, int], mode: str = "RGBA", color=(200, 0, 0, 0)) -> bytes:
    """A test image as PNG bytes."""
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, "PNG")
    return out.getvalue()


def test_small_square_becomes_400_jpeg_and_transparency_turns_white():
    data = fit_to_canvas(png((300, 300), color=(200, 0, 0, 0)))
    img = Image.open(io.BytesIO(data))
    assert img.format == "JPEG" and img.size == (400, 400)
    assert min(img.getpixel((200, 200))) > 240  # fully transparent → white, not black


def test_wide_image_is_centred_with_white_bars():
    data = fit_to_canvas(png((300, 150), mode="RGB", color=(0, 0, 255)))
    img = Image.open(io.BytesIO(data)).convert("RGB")
    assert img.size == (400, 400)
    r, _g, b = img.getpixel((200, 200))
    assert b > 200 and r < 50  # the picture fills the middle…
    assert min(img.getpixel((200, 10))) > 240  # …and white bars above and below


def test_large_image_is_scaled_down():
    img = Image.open(io.BytesIO(fit_to_canvas(png((1200, 800), mode="RGB", color=(0, 128, 0)))))
    assert img.size == (400, 400)
