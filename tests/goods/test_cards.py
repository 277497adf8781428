"""Product cards: 800×800 PNG, distinct per product, Cyrillic actually drawn."""

import io
from decimal import Decimal

from PIL import Image, ImageDraw, ImageFont

from evosync.goods.cards import BOLD, SIZE, format_price, render_card
from evosync.sandbox.images import jpeg


def _img(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def _ink(img: Image.Image) -> int:
    return sum(1 for v in img.convert("L").tobytes() if v < 100)


def test_card_is_an_800_png_and_vk_sized():
    img = _img(render_card("p1", "Морс клюквенный 0,5 л", Decimal("149.90")))
    assert img.format == "PNG" and img.size == (SIZE, SIZE)


def test_two_products_get_different_bytes_even_with_the_same_name_and_price():
    a = render_card("p1", "Круассан", Decimal(90))
    b = render_card("p2", "Круассан", Decimal(90))
    assert a != b


def test_price_is_formatted_the_russian_way():
    assert format_price(Decimal("2166.9")) == "2 166,90 ₽"
    assert format_price(150) == "150 ₽"
    assert format_price(0) is None and format_price(None) is None


def test_font_draws_cyrillic_and_the_rouble_sign_not_tofu():
    font = ImageFont.truetype(str(BOLD), 64)

    def shape(ch):
        img = Image.new("L", (100, 100), 0)
        ImageDraw.Draw(img).text((10, 10), ch, font=font, fill=255)
        return img.tobytes()

    tofu = shape("\ue000")  # a private-use code point: the font's "no glyph" box
    for ch in "ЖжЁё₽Щ":
        assert shape(ch) != tofu, ch
    assert shape("Ж") != shape("Щ")


def test_text_is_drawn_on_the_card():
    blank = _ink(_img(render_card("p1", " ", None)))  # the fallback name «Товар», no footer
    long_name = _ink(_img(render_card("p1", "Жидкость Щётка Ёлка " * 3, Decimal(1000))))
    assert long_name > blank > 500


def test_long_names_are_wrapped_and_cut_but_stay_on_the_card():
    img = _img(render_card("p1", "Оченьдлинноеслово" * 20 + " и ещё " * 50, Decimal(5)))
    assert img.size == (SIZE, SIZE)
    # The outer margin stays clean: nothing is drawn past the edges.
    grey = img.convert("L")
    assert all(grey.getpixel((x, y)) > 200 for x in range(0, SIZE, 16) for y in (2, SIZE - 3))


def test_shop_name_replaces_a_missing_price_and_placeholder_is_the_background():
    placeholder = jpeg(1200, 900, "bg")
    card = _img(render_card("p1", "Чай", None, shop_name="Кофейня «Ёжик»", placeholder=placeholder))
    plain = _img(render_card("p1", "Чай", None, shop_name="Кофейня «Ёжик»"))
    assert card.size == (SIZE, SIZE)
    assert card.getpixel((5, 5)) != plain.getpixel((5, 5))
