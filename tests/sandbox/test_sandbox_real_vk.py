"""The sandbox behaves like real VK where EvoSync used to assume otherwise: answer shapes from the official
schema, one item per photo, no legacy upload methods, stock and availability, reusable upload servers, batched
photo saves (inside execute and in bulk)."""

import json
import time

import pytest
import requests

from evosync.sandbox.images import jpeg
from evosync.sandbox.vk_response_check import SchemaViolation, check_answer

GROUP = 218000001
SHOP = -GROUP
PHOTO_TAKEN = "photo not found or already assigned to another item"


@pytest.fixture
def vk(sandbox):
    """A VK user token for the demo user and a call helper (rate limit raised: not under test)."""
    sandbox.reset(vk_rps=1000)
    token = sandbox.mint_vk_tokens()["access_token"]

    def call(method, **params):
        return sandbox.vk(method, token, **params)

    return call


def _upload(url, *blobs):
    files = [("file", (f"p{i}.jpg", blob, "image/jpeg")) for i, blob in enumerate(blobs)]
    return requests.post(url, files=files, timeout=10).json()


def _server(vk, **params):
    return vk("market.getProductPhotoUploadServer", group_id=GROUP, **params)["response"]["upload_url"]


def _photo(vk, url=None, key="p"):
    blob = _upload(url or _server(vk), jpeg(500, 500, key))
    return vk("market.saveProductPhoto", upload_response=json.dumps(blob))["response"]["photo_id"]


def _item(vk, photo_id=None, **over):
    params = {
        "owner_id": SHOP,
        "name": "Морс клюквенный",
        "description": "Домашний морс из клюквы.",
        "category_id": 101,
        "price": 149.9,
        **over,
    }
    if photo_id:
        params["main_photo_id"] = photo_id
    return vk("market.add", **params)


# --- answers follow the official response definitions -------------------------------------------------


def test_album_membership_is_only_in_extended_items(vk):
    item_id = _item(vk)["response"]["market_item_id"]
    album = vk("market.addAlbum", owner_id=SHOP, title="Напитки")["response"]["market_album_id"]
    vk("market.addToAlbum", owner_id=SHOP, item_ids=item_id, album_ids=album)
    plain = vk("market.get", owner_id=SHOP)["response"]["items"][0]
    full = vk("market.get", owner_id=SHOP, extended=1)["response"]["items"][0]
    by_id = vk("market.getById", item_ids=f"{SHOP}_{item_id}")["response"]["items"][0]
    assert "albums_ids" not in plain and "albums_ids" not in by_id and "photos" not in plain
    assert full["albums_ids"] == [album]
    assert full["category"]["inner_type"] == "market_market_category_nested"


def test_checker_refuses_shapes_vk_never_sends():
    item = {
        "id": 1,
        "owner_id": SHOP,
        "title": "Морс",
        "description": "Морс",
        "availability": 0,
        "category": {"id": 101, "name": "Напитки", "inner_type": "market_market_category_nested"},
        "price": {"amount": "100", "text": "1 ₽", "currency": {"id": 643, "name": "RUB", "title": "₽"}},
    }
    check_answer("market.get", {}, {"count": 1, "items": [item]})
    check_answer("market.get", {"extended": True}, {"count": 1, "items": [{**item, "albums_ids": [1]}]})
    with pytest.raises(SchemaViolation, match="albums_ids"):
        check_answer("market.get", {}, {"count": 1, "items": [{**item, "albums_ids": [1]}]})
    with pytest.raises(SchemaViolation, match="availability"):
        check_answer("market.get", {}, {"count": 1, "items": [{**item, "availability": 5}]})
    with pytest.raises(SchemaViolation, match="missing"):
        check_answer("market.add", {}, {})


# --- a photo belongs to one item ------------------------------------------------------------------------


def test_second_item_naming_the_same_photo_is_refused_on_add_and_edit(vk):
    shared = _photo(vk, key="shared")
    assert "response" in _item(vk, shared)
    err = _item(vk, shared, name="Морс брусничный")["error"]
    assert err["error_code"] == 100 and PHOTO_TAKEN in err["error_msg"]
    other = _item(vk, _photo(vk, key="own"), name="Морс брусничный")["response"]["market_item_id"]
    err = vk("market.edit", owner_id=SHOP, item_id=other, main_photo_id=shared)["error"]
    assert err["error_code"] == 100 and PHOTO_TAKEN in err["error_msg"]
    err = vk("market.edit", owner_id=SHOP, item_id=other, photo_ids=shared)["error"]
    assert err["error_code"] == 100


def test_an_item_may_keep_its_own_photo_and_a_deleted_item_frees_it(vk):
    photo = _photo(vk)
    first = _item(vk, photo)["response"]["market_item_id"]
    assert vk("market.edit", owner_id=SHOP, item_id=first, main_photo_id=photo, price=150)["response"] == 1
    vk("market.delete", owner_id=SHOP, item_id=first)
    assert "response" in _item(vk, photo, name="Морс брусничный")


# --- legacy upload methods are gone ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("photos.getMarketUploadServer", {"group_id": GROUP, "main_photo": 1}),
        ("photos.saveMarketPhoto", {"group_id": GROUP, "photo": "1", "server": 1, "hash": "x"}),
    ],
)
def test_legacy_upload_methods_answer_unknown_method(vk, method, params):
    assert vk(method, **params)["error"]["error_code"] == 3


# --- stock as VK shows it -------------------------------------------------------------------------------


@pytest.mark.parametrize(("stock", "availability"), [(None, 0), (-1, 0), (0, 2), (7, 0)])
def test_stock_amount_drives_availability(vk, stock, availability):
    extra = {} if stock is None else {"stock_amount": stock}
    item_id = _item(vk, **extra)["response"]["market_item_id"]
    item = vk("market.getById", item_ids=f"{SHOP}_{item_id}")["response"]["items"][0]
    assert item["availability"] == availability
    assert item.get("stock_amount") == stock


def test_negative_stock_other_than_unlimited_is_refused(vk):
    assert _item(vk, stock_amount=-3)["error"]["error_code"] == 100


# --- one upload server for many photos, a fresh one when it expires -----------------------------------


def test_upload_server_is_reusable_until_it_expires(sandbox, vk):
    url = _server(vk)
    ids = {_photo(vk, url, key=f"k{i}") for i in range(3)}
    assert len(ids) == 3
    time.sleep(0.01)
    sandbox.fault("upload_url_expired")
    assert "EXPIRED" in _upload(url, jpeg(500, 500, "late"))["error"]
    time.sleep(0.01)
    assert _photo(vk, _server(vk), key="fresh")


# --- batched saves --------------------------------------------------------------------------------------


def test_save_product_photo_inside_execute_25_per_request(sandbox, vk):
    url = _server(vk)
    blobs = [_upload(url, jpeg(450, 450, f"x{i}")) for i in range(25)]
    calls = ",".join(
        f"API.market.saveProductPhoto({json.dumps({'upload_response': json.dumps(b)})})" for b in blobs
    )
    before = sandbox.counters()["all"].get("vk_requests", 0)
    answer = vk("execute", code=f"return [{calls}];")
    assert "execute_errors" not in answer
    ids = [r["photo_id"] for r in answer["response"]]
    assert len(set(ids)) == 25
    assert sandbox.counters()["all"]["vk_requests"] - before == 1
    assert "response" in _item(vk, ids[0]) and "response" in _item(vk, ids[1], name="Морс брусничный")


def test_bulk_upload_and_save(vk):
    url = _server(vk, bulk=1)
    blob = _upload(url, *[jpeg(500, 500, f"b{i}") for i in range(5)])
    assert len(blob["photos"]) == 5
    saved = vk("market.saveProductPhotoBulk", upload_response=json.dumps(blob))["response"]
    assert len({s["photo_id"] for s in saved}) == 5
    # A bulk answer is not a single-photo answer, and a single upload takes one file.
    assert vk("market.saveProductPhoto", upload_response=json.dumps(blob))["error"]["error_code"] == 100
    assert "TOO_MANY" in _upload(_server(vk), jpeg(500, 500, "a"), jpeg(500, 500, "b"))["error"]


def test_bulk_upload_refuses_a_bad_file_in_the_batch(vk):
    answer = _upload(_server(vk, bulk=1), jpeg(500, 500, "ok"), jpeg(300, 300, "small"))
    assert "BAD_IMAGE_SIZE" in answer["error"]
