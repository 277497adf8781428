"""The one decoder for images EvoSync did not draw: known formats only, pixel cap before decoding."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from evosync.goods.imaging import BadImage, open_image
from evosync.vk.upload import fit_to_canvas


def encoded(fmt: str, size=(50, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 200, 30)).save(out, fmt)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP"])
def test_the_four_web_formats_decode(fmt):
    assert open_image(encoded(fmt)).size == (50, 40)


@pytest.mark.parametrize("data", [encoded("BMP"), encoded("TIFF"), b"<svg/>", b"", encoded("PNG")[:40]])
def test_other_formats_and_broken_files_are_refused(data):
    with pytest.raises(BadImage):
        open_image(data)


def test_too_many_pixels_are_refused_before_decoding():
    with pytest.raises(BadImage, match="pixels"):
        open_image(encoded("PNG", (2000, 2000)), max_pixels=1_000_000)


def test_an_evotor_image_that_is_no_picture_is_a_bad_image_for_the_upload():
    with pytest.raises(BadImage):
        fit_to_canvas(encoded("BMP"))
