"""The emulated VK API: envelope, auth, strict validation, Market methods, rate limit and execute."""

import json
import time

import pytest
import requests

SHOP = -218000001


@pytest.fixture
def vk(sandbox):
    """A VK user token for the demo user, and a call helper bound to it (rate limit raised: not under test)."""
    sandbox.reset(vk_rps=1000)
    token = sandbox.mint_vk_tokens()["access_token"]

    def call(method, **params):
        return sandbox.vk(method, token, **params)

    call.token = token
    return call


def _item(**over):
    base = {
        "owner_id": SHOP,
        "name": "Морс клюквенный",
        "description": "Домашний морс из клюквы, 0,5 л.",
        "category_id": 101,
        "price": 149.9,
        "sku": "c3a4b5d6-0001",
    }
    base.update(over)
    return base


def test_envelope_version_and_token_errors(sandbox, vk):
    assert "response" in vk("users.get")
    assert sandbox.vk("users.get", vk.token, v="")["error"]["error_code"] == 8
    assert sandbox.vk("users.get", None)["error"]["error_code"] == 5
    err = sandbox.vk("users.get", "vk1.a.bogus")["error"]
    assert err["error_code"] == 5
    assert all(p["key"] != "access_token" for p in err["request_params"])
    header = requests.post(
        f"{sandbox.url}/vk/method/users.get",
        data={"v": "5.199"},
        headers={"Authorization": f"Bearer {vk.token}"},
        timeout=5,
    ).json()
    assert header["response"][0]["id"] == sandbox.vk_user_id
    assert vk("market.nosuch")["error"]["error_code"] == 3


def test_profile_groups_and_permissions(sandbox, vk):
    user = vk("users.get", fields="photo_100,screen_name")["response"][0]
    assert (
        user["first_name"] == "Анна" and user["screen_name"] and requests.get(user["photo_100"], timeout=5).ok
    )
    admin = vk("groups.get", filter="admin", extended=1, fields="market")["response"]
    ids = {g["id"]: g for g in admin["items"]}
    assert set(ids) == {sandbox.vk_group_id, sandbox.vk_market_off_group_id}
    assert ids[sandbox.vk_market_off_group_id]["market"]["enabled"] == 0
    member = vk("groups.get")["response"]["items"]
    assert sandbox.vk_member_group_id in member
    by_id = vk("groups.getById", group_id=sandbox.vk_group_id, fields="market")["response"]
    assert by_id["groups"][0]["market"]["enabled"] == 1
    mask = vk("account.getAppPermissions")["response"]
    assert mask & 134217728 and mask & 4 and mask & 262144


@pytest.mark.parametrize(
    ("over", "code"),
    [
        ({"name": "Сок"}, 100),
        ({"name": "Я" * 101}, 100),
        ({"description": "Коротко"}, 100),
        ({"owner_id": 218000001}, 100),
        ({"sku": "x" * 51}, 100),
        ({"price": "дорого"}, 100),
        ({"category_id": 999999}, 100),
        ({"stock_amount": -5}, 100),
        ({"description": "Подробнее на https://example.ru/mors сегодня"}, 1408),
        ({"owner_id": -218000002}, 1438),
        ({"owner_id": -218000003}, 205),
    ],
)
def test_market_add_is_strict(vk, over, code):
    assert vk("market.add", **_item(**over))["error"]["error_code"] == code


def test_missing_required_param_names_it(vk):
    params = _item()
    del params["category_id"]
    err = vk("market.add", **params)["error"]
    assert err["error_code"] == 100 and "category_id" in err["error_msg"]
    assert vk("market.get", owner_id=SHOP, count=201)["error"]["error_code"] == 100


def test_market_lifecycle_hidden_deleted_restored(sandbox, vk):
    item_id = vk("market.add", **_item())["response"]["market_item_id"]
    assert vk("market.edit", owner_id=SHOP, item_id=item_id, price=199, deleted=1)["response"] == 1
    assert vk("market.get", owner_id=SHOP)["response"]["count"] == 0
    hidden = vk("market.get", owner_id=SHOP, with_disabled=1)["response"]["items"][0]
    assert (hidden["availability"], hidden["sku"], hidden["price"]["amount"]) == (1, "c3a4b5d6-0001", "19900")
    vk("market.edit", owner_id=SHOP, item_id=item_id, deleted=0)
    assert vk("market.delete", owner_id=SHOP, item_id=item_id)["response"] == 1
    assert vk("market.get", owner_id=SHOP, with_disabled=1)["response"]["count"] == 0
    assert vk("market.edit", owner_id=SHOP, item_id=item_id, price=1)["error"]["error_code"] == 1403
    assert vk("market.restore", owner_id=SHOP, item_id=item_id)["response"] == 1
    assert vk("market.restore", owner_id=SHOP, item_id=item_id)["error"]["error_code"] == 1518
    got = vk("market.getById", item_ids=f"{SHOP}_{item_id}", extended=1)["response"]
    assert got["items"][0]["id"] == item_id
    assert [i["deleted"] for i in sandbox.vk_items()] == [False]


def test_market_get_pages_with_count_and_offset(vk):
    ids = [vk("market.add", **_item(sku=f"s{i}"))["response"]["market_item_id"] for i in range(5)]
    first = vk("market.get", owner_id=SHOP, count=2)["response"]
    rest = vk("market.get", owner_id=SHOP, count=200, offset=2)["response"]
    assert first["count"] == 5
    assert sorted(i["id"] for i in first["items"] + rest["items"]) == ids


def test_albums(vk):
    item_id = vk("market.add", **_item())["response"]["market_item_id"]
    album = vk("market.addAlbum", owner_id=SHOP, title="Напитки")["response"]["market_album_id"]
    assert vk("market.addToAlbum", owner_id=SHOP, item_ids=item_id, album_ids=album)["response"] == 1
    assert (
        vk("market.addToAlbum", owner_id=SHOP, item_ids=item_id, album_ids=album)["error"]["error_code"]
        == 1404
    )
    item = vk("market.get", owner_id=SHOP, album_id=album, extended=1)["response"]["items"][0]
    assert item["albums_ids"] == [album]
    # Album membership is part of the extended object only, as on VK.
    assert "albums_ids" not in vk("market.get", owner_id=SHOP, album_id=album)["response"]["items"][0]
    albums = vk("market.getAlbums", owner_id=SHOP)["response"]
    assert albums["items"][0]["title"] == "Напитки" and albums["items"][0]["count"] == 1
    vk("market.removeFromAlbum", owner_id=SHOP, item_id=item_id, album_ids=album)
    assert vk("market.get", owner_id=SHOP, album_id=album)["response"]["count"] == 0
    assert vk("market.editAlbum", owner_id=SHOP, album_id=album, title="Соки")["response"] == 1
    assert vk("market.deleteAlbum", owner_id=SHOP, album_id=album)["response"] == 1
    assert (
        vk("market.addToAlbum", owner_id=SHOP, item_ids=item_id, album_ids=album)["error"]["error_code"]
        == 1402
    )
    categories = vk("market.getCategories")["response"]["items"]
    assert categories[0]["children"][0]["id"] == 101


def test_rate_limit_window(sandbox):
    token = sandbox.mint_vk_tokens()["access_token"]
    codes = [sandbox.vk("users.get", token).get("error", {}).get("error_code") for _ in range(4)]
    assert codes[:3] == [None, None, None] and codes[3] == 6
    time.sleep(1.05)
    assert "response" in sandbox.vk("users.get", token)
    other = sandbox.mint_vk_tokens()["access_token"]
    assert "response" in sandbox.vk("users.get", other)


def _execute(vk, *calls):
    code = "return [" + ",".join(f"API.{m}({json.dumps(p, ensure_ascii=False)})" for m, p in calls) + "];"
    return vk("execute", code=code)


def test_execute_maps_results_and_errors_per_call(sandbox, vk):
    body = _execute(
        vk,
        ("market.add", _item()),
        ("market.add", _item(name="Сок")),
        ("market.add", _item(sku="b")),
        ("market.nope", {}),
    )
    first, second, third, fourth = body["response"]
    assert first["market_item_id"] and second is False and third["market_item_id"] and fourth is False
    assert [(e["method"], e["error_code"]) for e in body["execute_errors"]] == [
        ("market.add", 100),
        ("market.nope", 3),
    ]
    assert sandbox.method_calls("market.add") == 3 and sandbox.method_calls("execute") == 1


def test_execute_counts_as_one_request_and_caps_at_25(sandbox):
    token = sandbox.mint_vk_tokens()["access_token"]
    calls = ",".join(["API.users.get({})"] * 25)
    body = sandbox.vk("execute", token, code=f"return [{calls}];")
    assert len(body["response"]) == 25 and "execute_errors" not in body
    too_many = ",".join(["API.users.get({})"] * 26)
    assert sandbox.vk("execute", token, code=f"return [{too_many}];")["error"]["error_code"] == 13
    assert "response" in sandbox.vk("users.get", token)


@pytest.mark.parametrize(
    "code",
    [
        "API.users.get({});",
        "return [API.users.get({)];",
        "return [API.users.get({})",
        "return eval('1');",
        "return [API.users.get({}) API.users.get({})];",
        "return [API.users.get([1])];",
    ],
)
def test_execute_rejects_what_it_cannot_parse(vk, code):
    assert vk("execute", code=code)["error"]["error_code"] == 12


def test_execute_single_call_and_method_fault_inside(sandbox, vk):
    assert vk("execute", code='return API.users.get({"fields": "screen_name"});')["response"][0][
        "screen_name"
    ]
    sandbox.fault("vk_error", code=9, methods=["market.add"])
    body = _execute(vk, ("market.add", _item()), ("users.get", {}))
    assert body["response"][0] is False and body["response"][1][0]["id"] == sandbox.vk_user_id
    assert body["execute_errors"] == [{"method": "market.add", "error_code": 9, "error_msg": "Flood control"}]


def test_market_scope_is_required(sandbox):
    token = sandbox.mint_vk_tokens(scope="vkid.personal_info groups")["access_token"]
    assert sandbox.vk("market.get", token, owner_id=SHOP)["error"]["error_code"] == 15
