"""Product cards: an 800×800 PNG photo for a product that has no image in Evotor.

VK binds a Market photo to one item, so every item needs its own picture. A card shows the product's name
(wrapped, Cyrillic) and its price («2 166,90 ₽») — or the shop's name when there is no price — on a clean tinted
background, or on the merchant's own placeholder image. The font (DejaVu Sans, shipped in static/fonts with its
licence) covers Cyrillic and «₽». Cards of different products always differ in bytes: the product key picks the
tint and is stored in the PNG's text chunk. See docs/product-cards.md.
"""

from __future__ import annotations

import hashlib
import io
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps, PngImagePlugin

from evosync.images import decode

SIZE = 800
MARGIN = 64
FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"
REGULAR = FONT_DIR / "DejaVuSans.ttf"
NAME_SIZES = (64, 56, 48, 42, 36)
MAX_LINES = 6
INK = (34, 34, 34)
# Pale tints, one picked per product so neighbouring cards in the shop look different.
TINTS = (
    (247, 243, 236),
    (236, 244, 247),
    (240, 247, 236),
    (247, 236, 241),
    (243, 240, 250),
    (250, 246, 230),
    (234, 246, 243),
    (245, 245, 245),
)


def format_price(price: Decimal | int | float | None) -> str | None:
    """«2 166,90 ₽», «150 ₽»; None for no price or a zero one (the card shows the shop's name instead)."""
    if price is None:
        return None
    value = Decimal(str(price)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if value <= 0:
        return None
    whole, cents = divmod(int(value * 100), 100)
    text = f"{whole:,}".replace(",", " ")
    return f"{text},{cents:02d} ₽" if cents else f"{text} ₽"


@cache
def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        # A word wider than the card is cut into pieces that fit.
        while draw.textlength(word, font=font) > width:
            cut = max(
                1, next(i for i in range(len(word), 0, -1) if draw.textlength(word[:i], font=font) <= width)
            )
            lines.append(word[:cut])
            word = word[cut:]
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        elif word:
            lines.append(word)
    return lines


def _name_lines(
    draw: ImageDraw.ImageDraw, name: str, width: int, scale: float = 1.0
) -> tuple[list[str], ImageFont.FreeTypeFont]:
    """The name wrapped at the largest size that fits MAX_LINES; cut with «…» at the smallest otherwise."""
    for size in NAME_SIZES:
        font = _font(BOLD, max(1, round(size * scale)))
        lines = _wrap(draw, name, font, width)
        if len(lines) <= MAX_LINES:
            return lines, font
    lines = lines[:MAX_LINES]
    while lines[-1] and draw.textlength(lines[-1] + "…", font=font) > width:
        lines[-1] = lines[-1][:-1]
    lines[-1] = lines[-1].rstrip() + "…"
    return lines, font


def _background(key: str, placeholder: bytes | None, size: int) -> Image.Image:
    if placeholder is None:
        digest = hashlib.sha256(key.encode()).digest()
        return Image.new("RGB", (size, size), TINTS[digest[0] % len(TINTS)])
    src = decode(placeholder)
    return ImageOps.fit(src.convert("RGB"), (size, size), Image.Resampling.LANCZOS)


def _panel(image: Image.Image, top: int, bottom: int, scale: float) -> None:
    # A translucent white band keeps the text readable on the merchant's picture.
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    side, margin, pad = image.width, round(MARGIN * scale), round(24 * scale)
    ImageDraw.Draw(overlay).rounded_rectangle(
        (margin // 2, top - pad, side - margin // 2, bottom + pad), radius=pad, fill=(255, 255, 255, 215)
    )
    image.paste(Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB"))


def render_card(
    key: str,
    name: str,
    price: Decimal | int | float | None = None,
    shop_name: str | None = None,
    placeholder: bytes | None = None,
) -> bytes:
    """PNG bytes of the card for product ``key`` (its Evotor id): name, then price or shop name."""
    image = card_image(key, name, price, shop_name, placeholder)
    info = PngImagePlugin.PngInfo()
    info.add_text("evosync-product", key)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True, pnginfo=info)
    return out.getvalue()


def card_image(
    key: str,
    name: str,
    price: Decimal | int | float | None = None,
    shop_name: str | None = None,
    placeholder: bytes | None = None,
    size: int = SIZE,
) -> Image.Image:
    """The card as an RGB image of ``size``×``size`` (the layout scaled from the 800 px card)."""
    scale = size / SIZE
    image = _background(key, placeholder, size)
    draw = ImageDraw.Draw(image)
    width = size - 2 * round(MARGIN * scale)
    lines, font = _name_lines(draw, " ".join(name.split()) or "Товар", width, scale)
    footer = format_price(price) or (shop_name or "").strip() or None
    footer_font = _font(REGULAR, max(1, round((52 if format_price(price) else 36) * scale)))
    step = round(font.size * 1.2)
    gap = round(40 * scale)
    footer_lines = _wrap(draw, footer, footer_font, width)[:2] if footer else []
    height = step * len(lines) + (
        gap + round(footer_font.size * 1.2) * len(footer_lines) if footer_lines else 0
    )
    top = (size - height) // 2
    if placeholder is not None:
        _panel(image, top, top + height, scale)
        draw = ImageDraw.Draw(image)
    y = top
    for line in lines:
        draw.text((size // 2, y), line, font=font, fill=INK, anchor="ma")
        y += step
    y += gap
    for line in footer_lines:
        draw.text((size // 2, y), line, font=footer_font, fill=(90, 90, 90), anchor="ma")
        y += round(footer_font.size * 1.2)
    return image
