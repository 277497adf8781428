"""The VK sku is the merchant's article, never an id."""

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evosync.goods.article import SKU_MAX, looks_like_id, vk_sku


def test_article_is_sent_as_is():
    assert vk_sku("MRS-050") == "MRS-050"
    assert vk_sku("ЁЛК-01") == "ЁЛК-01"
    assert vk_sku("  ART 7  ") == "ART 7"


@pytest.mark.parametrize("value", [None, "", "   "])
def test_no_article_means_no_sku(value):
    assert vk_sku(value) is None


@given(st.uuids())
def test_uuids_in_any_spelling_are_never_sent(u):
    for text in (str(u), str(u).upper(), u.hex, "{" + str(u) + "}"):
        assert vk_sku(text) is None


@pytest.mark.parametrize(
    "value",
    [
        "c3a4b5d6-0001-4c8d-9e3f-000000000001",  # an Evotor product id
        "20240115-3A7C-4B2E-80D1-6F2A9C4E1B01",  # an Evotor store id
        "01-000000000012345",  # an Evotor user id
        "0123456789abcdef0123456789abcdef",
    ],
)
def test_evotor_ids_are_never_sent(value):
    assert looks_like_id(value) and vk_sku(value) is None


@given(st.text(alphabet="АБВгде0123456789-/ ", min_size=1, max_size=80))
def test_sku_never_exceeds_vk_limit_and_never_looks_like_a_uuid(text):
    sku = vk_sku(text)
    assert sku is None or (len(sku) <= SKU_MAX and not looks_like_id(sku))


def test_a_random_uuid_is_recognised():
    assert looks_like_id(str(uuid.uuid4()))
