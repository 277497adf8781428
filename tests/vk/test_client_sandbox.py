"""VkClient against the sandbox over real HTTP on loopback: wrappers, error mapping, retries, timeouts."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from evosync.vk import VkClient
from evosync.vk import errors as E
from tests.vk.conftest import MARKET_OFF_GROUP_ID, SHOP_GROUP_ID

OWNER = -SHOP_GROUP_ID


def test_profile_groups_and_permissions(vk):
    user = vk.users_get()
    assert user.id > 0 and user.first_name
    groups = {g.id: g for g in vk.groups_admin()}
    assert SHOP_GROUP_ID in groups and groups[SHOP_GROUP_ID].is_admin
    assert vk.group_by_id(SHOP_GROUP_ID).market_enabled is True
    assert vk.group_by_id(MARKET_OFF_GROUP_ID).market_enabled is False
    assert {"market", "photos", "groups"} <= vk.app_permissions()


def test_categories_tree(vk):
    categories = vk.market_get_categories()
    flat = [c for top in categories for c in top.walk()]
    assert flat and all(c.id and c.name for c in flat)


def test_item_and_album_lifecycle(vk):
    category = vk.market_get_categories()[0].walk()[-1].id
    item_id = vk.market_add(
        OWNER,
        "Морс клюквенный",
        "Домашний морс из клюквы",
        category,
        Decimal("149.90"),
        sku="evotor-1",
        stock_amount=5,
    )
    album_id = vk.market_add_album(OWNER, "Напитки")
    assert vk.market_add_to_album(OWNER, [item_id], [album_id])
    assert vk.market_edit(OWNER, item_id, price=Decimal("159.00"), deleted=True)
    items = {i.id: i for i in vk.market_get(OWNER, extended=True)}
    item = items[item_id]
    assert item.sku == "evotor-1" and item.price == Decimal("159.00") and item.hidden
    assert album_id in item.album_ids
    assert album_id in {a.id for a in vk.market_get_albums(OWNER)}
    assert vk.market_remove_from_album(OWNER, item_id, [album_id])
    assert vk.market_delete(OWNER, item_id)
    assert item_id not in {i.id for i in vk.market_get(OWNER)}


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (5, E.TokenInvalid),
        (9, E.Flood),
        (15, E.AccessDenied),
        (27, E.AccessDenied),
        (205, E.AccessDenied),
        (29, E.RateLimit),
        (1438, E.MarketDisabled),
        (100, E.ItemError),
        (1408, E.ItemError),
    ],
)
def test_vk_error_faults_map_to_typed_errors(sandbox, vk, code, cls):
    sandbox.fault("vk_error", code=code, methods=["users.get"])
    with pytest.raises(cls) as info:
        vk.users_get()
    assert info.value.code == code and info.value.method == "users.get" and info.value.hint_ru


def test_captcha_carries_sid_and_image(sandbox, vk, sleeps):
    sandbox.fault("vk_error", code=14, methods=["market.get"])
    with pytest.raises(E.Captcha) as info:
        list(vk.market_get(OWNER))
    assert info.value.captcha_sid and info.value.captcha_img.startswith("http")
    assert sleeps == []


def test_real_validation_errors_from_the_sandbox(vk):
    with pytest.raises(E.ItemError) as info:  # a positive owner_id: "only groups supported"
        list(vk.market_get(SHOP_GROUP_ID))
    assert info.value.code == 100
    with pytest.raises(E.ItemError) as info:
        vk.market_add(OWNER, "Морс", "Смотрите https://example.com/mors", 101, Decimal(10))
    assert info.value.code == 1408
    with pytest.raises(E.MarketDisabled):
        list(vk.market_get(-MARKET_OFF_GROUP_ID))


def test_revoked_or_bogus_token_is_token_invalid(vk_url):
    with pytest.raises(E.TokenInvalid):
        VkClient("vk1.a.bogus-token", vk_url).users_get()


def test_error_6_and_10_are_retried_and_bounded(sandbox, vk, sleeps):
    sandbox.fault("vk_error", code=10, methods=["users.get"], count=2)
    assert vk.users_get().id
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0]
    sleeps.clear()
    sandbox.fault("vk_error", code=6, methods=["users.get"])
    before = sandbox.method_calls("users.get")
    with pytest.raises(E.TooManyRequests):
        vk.users_get()
    assert sandbox.method_calls("users.get") - before == 5  # 1 try + 4 retries, then give up
    assert len(sleeps) == 4 and sleeps == sorted(sleeps) and sleeps[0] >= 1.0


def test_http_5xx_is_retried_then_unavailable(sandbox, vk, sleeps):
    sandbox.fault("http_error", service="vk", status=502)
    with pytest.raises(E.Unavailable) as info:
        vk.users_get()
    assert info.value.http_status == 502 and len(sleeps) == 4 and vk.calls_made == 5


def test_hanging_vk_aborts_within_timeout_plus_one_second(sandbox, vk_token, vk_url):
    sandbox.fault("hang", service="vk", seconds=30)
    client = VkClient(vk_token, vk_url, timeout=(1, 1), max_retries=0)
    started = time.monotonic()
    try:
        with pytest.raises(E.Unavailable):
            client.users_get()
    finally:
        elapsed = time.monotonic() - started
        sandbox.clear_faults()
    assert elapsed < 2.0


def test_token_never_in_urls_of_the_request_log(sandbox, vk, vk_token):
    vk.users_get()
    vk.group_by_id(SHOP_GROUP_ID)
    rows = [r for r in sandbox.requests() if "/vk/" in str(r.get("path", ""))]
    assert len(rows) >= 2
    for row in rows:
        assert vk_token not in str(row.get("path", "")) and vk_token not in str(row.get("url", ""))
        assert not row.get("token_in_query")


def test_call_count_is_observable(vk):
    seen: list[str] = []
    vk.on_request = seen.append
    vk.users_get()
    vk.group_by_id(SHOP_GROUP_ID)
    assert vk.calls_made == 2 and seen == ["users.get", "groups.getById"]
