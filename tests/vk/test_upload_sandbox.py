"""Market photo upload against the sandbox: the 2024 flow only (the legacy photos.* pair is gone from VK)."""

from __future__ import annotations

import io
import time
from decimal import Decimal

import pytest
from PIL import Image

from evosync.images import fit_to_canvas
from evosync.vk import PhotoUploader
from tests.vk.conftest import SHOP_GROUP_ID


def evotor_like_png() -> bytes:
    """A 300×300 PNG like Evotor's product images."""
    out = io.BytesIO()
    Image.new("RGB", (300, 300), (180, 30, 30)).save(out, "PNG")
    return out.getvalue()


def test_new_flow_gives_a_photo_usable_as_main_photo(sandbox, vk):
    photo = vk.upload_product_photo(SHOP_GROUP_ID, fit_to_canvas(evotor_like_png()))
    assert photo.id > 0
    assert vk.method_counts["market.getProductPhotoUploadServer"] == 1
    assert vk.method_counts["market.saveProductPhoto"] == 1 and vk.uploads_made == 1
    item = vk.market_add(
        -SHOP_GROUP_ID,
        "Морс клюквенный",
        "Домашний морс из клюквы",
        101,
        Decimal(150),
        main_photo_id=photo.id,
    )
    assert item > 0


def test_unknown_upload_method_is_reported_not_retried_through_legacy_methods(sandbox, vk):
    from evosync.vk import errors as E

    sandbox.fault("upload_methods_unknown")
    with pytest.raises(E.UnknownMethod):
        vk.upload_product_photo(SHOP_GROUP_ID, fit_to_canvas(evotor_like_png()))
    assert vk.method_counts.get("photos.getMarketUploadServer", 0) == 0
    assert vk.method_counts.get("photos.saveMarketPhoto", 0) == 0


def test_too_small_photo_is_refused_per_item(sandbox, vk):
    from evosync.vk import errors as E

    try:
        vk.upload_product_photo(SHOP_GROUP_ID, evotor_like_png(), "small.png", "image/png")
    except E.VkError as exc:
        assert exc.hint_ru
    else:  # pragma: no cover
        raise AssertionError("a 300×300 photo was accepted")


def test_uploader_reuses_one_server_and_saves_25_per_execute(sandbox, vk):
    uploader = PhotoUploader(vk, -SHOP_GROUP_ID)
    answers = [uploader.upload(fit_to_canvas(evotor_like_png())) for _ in range(30)]
    results = uploader.save(answers)
    ids = [r.unwrap().id for r in results]
    assert len(set(ids)) == 30
    assert vk.method_counts["market.getProductPhotoUploadServer"] == 1
    assert vk.method_counts["execute"] == 2 and vk.uploads_made == 30


def test_uploader_fetches_a_fresh_server_when_the_url_expires(sandbox, vk):
    uploader = PhotoUploader(vk, SHOP_GROUP_ID)
    first = uploader.upload(fit_to_canvas(evotor_like_png()))
    time.sleep(0.01)
    sandbox.fault("upload_url_expired")
    time.sleep(0.01)
    second = uploader.upload(fit_to_canvas(evotor_like_png()))
    assert vk.method_counts["market.getProductPhotoUploadServer"] == 2
    assert [r.ok for r in uploader.save([first, second])] == [True, True]
