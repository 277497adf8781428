"""Photo upload and the switchable faults, over real HTTP."""

import io
import json
import time

import pytest
import requests
from PIL import Image

from evosync.sandbox.images import jpeg

SHOP_ID = 218000001


@pytest.fixture
def token(sandbox):
    """A demo-user VK token; the rate limit is raised because it is not what these tests check."""
    sandbox.reset(vk_rps=1000)
    return sandbox.mint_vk_tokens()["access_token"]


def _upload(url, blob, name="photo.jpg"):
    return requests.post(url, files={"file": (name, blob, "image/jpeg")}, timeout=10).json()


def test_new_upload_flow_and_photo_is_served(sandbox, token):
    url = sandbox.vk("market.getProductPhotoUploadServer", token, group_id=SHOP_ID)["response"]["upload_url"]
    blob = _upload(url, jpeg(400, 400, "ok"))
    saved = sandbox.vk("market.saveProductPhoto", token, upload_response=json.dumps(blob))["response"]
    again = sandbox.vk("market.saveProductPhoto", token, upload_response=json.dumps(blob))["response"]
    assert again["photo_id"] == saved["photo_id"]
    served = requests.get(saved["photo"]["sizes"][0]["url"], timeout=5)
    with Image.open(io.BytesIO(served.content)) as img:
        assert img.size == (400, 400)
    item = sandbox.vk(
        "market.add",
        token,
        owner_id=-SHOP_ID,
        name="Товар с фото",
        description="Описание товара с фото",
        category_id=101,
        main_photo_id=saved["photo_id"],
    )["response"]
    assert sandbox.vk_items()[0]["thumb_photo"].endswith(f"/vk/photo/{saved['photo_id']}.jpg")
    assert item["market_item_id"]


@pytest.mark.parametrize(
    ("blob", "fragment"),
    [
        (jpeg(300, 300, "small"), "BAD_IMAGE_SIZE"),
        (jpeg(800, 399, "thin"), "BAD_IMAGE_SIZE"),
        (b"not an image at all", "BAD_IMAGE"),
        (b"\xff" * (5 * 1024 * 1024 + 1), "TOO_BIG"),
    ],
)
def test_upload_server_rejects_bad_files(sandbox, token, blob, fragment):
    url = sandbox.vk("market.getProductPhotoUploadServer", token, group_id=SHOP_ID)["response"]["upload_url"]
    answer = _upload(url, blob)
    assert fragment in answer["error"]


def test_save_rejects_forged_upload(sandbox, token):
    forged = json.dumps({"server": 1, "photo": "1", "hash": "0" * 32})
    assert sandbox.vk("market.saveProductPhoto", token, upload_response=forged)["error"]["error_code"] == 121
    assert sandbox.vk("market.saveProductPhoto", token, upload_response="{")["error"]["error_code"] == 100
    assert (
        sandbox.vk(
            "market.add",
            token,
            owner_id=-SHOP_ID,
            name="Товар без фото",
            description="Описание товара",
            category_id=101,
            main_photo_id=999,
        )["error"]["error_code"]
        == 100
    )


def test_upload_methods_unknown_fault_gives_error_3(sandbox, token):
    sandbox.fault("upload_methods_unknown")
    assert (
        sandbox.vk("market.getProductPhotoUploadServer", token, group_id=SHOP_ID)["error"]["error_code"] == 3
    )


def test_upload_to_market_off_community_is_refused(sandbox, token):
    answer = sandbox.vk("market.getProductPhotoUploadServer", token, group_id=sandbox.vk_market_off_group_id)
    assert answer["error"]["error_code"] == 1438


@pytest.mark.parametrize("code", [9, 29, 10])
def test_vk_error_fault_for_next_calls(sandbox, token, code):
    sandbox.fault("vk_error", code=code, count=2)
    codes = [sandbox.vk("users.get", token).get("error", {}).get("error_code") for _ in range(3)]
    assert codes == [code, code, None]


def test_captcha_fault_carries_its_data_and_accepts_a_key(sandbox, token):
    sandbox.fault("vk_error", code=14, methods=["market.get"])
    err = sandbox.vk("market.get", token, owner_id=-SHOP_ID)["error"]
    assert err["error_code"] == 14 and err["captcha_sid"] and requests.get(err["captcha_img"], timeout=5).ok
    solved = sandbox.vk(
        "market.get", token, owner_id=-SHOP_ID, captcha_sid=err["captcha_sid"], captcha_key="abc"
    )
    assert "response" in solved
    assert "response" in sandbox.vk("users.get", token)


def test_market_off_fault_and_switch(sandbox, token):
    sandbox.fault("market_off")
    assert sandbox.vk("market.get", token, owner_id=-SHOP_ID)["error"]["error_code"] == 1438
    group = sandbox.vk("groups.getById", token, group_id=SHOP_ID, fields="market")["response"]["groups"][0]
    assert group["market"]["enabled"] == 0
    sandbox.clear_faults()
    sandbox.set_market(False)
    assert sandbox.vk("market.get", token, owner_id=-SHOP_ID)["error"]["error_code"] == 1438
    sandbox.set_market(True)
    assert "response" in sandbox.vk("market.get", token, owner_id=-SHOP_ID)


def test_revoked_tokens(sandbox, token):
    sandbox.revoke(user_id=sandbox.vk_user_id)
    assert sandbox.vk("users.get", token)["error"]["error_code"] == 5


def test_http_errors_by_count_and_probability(sandbox, token):
    sandbox.fault("http_error", service="vk", status=502, count=1)
    first = requests.post(
        f"{sandbox.url}/vk/method/users.get", data={"v": "5.199", "access_token": token}, timeout=5
    )
    assert first.status_code == 502
    assert "response" in sandbox.vk("users.get", token)
    sandbox.fault("http_error", service="vk", probability=1.0)
    assert (
        requests.post(f"{sandbox.url}/vk/method/users.get", data={"v": "5.199"}, timeout=5).status_code == 500
    )
    sandbox.clear_faults()
    sandbox.fault("http_error", service="vk", probability=0.0)
    assert "response" in sandbox.vk("users.get", token)


def test_slow_and_hang(sandbox, token):
    sandbox.fault("slow", service="vk", seconds=0.5, count=1)
    start = time.monotonic()
    assert "response" in sandbox.vk("users.get", token)
    assert time.monotonic() - start >= 0.5
    sandbox.fault("hang", service="evotor")
    with pytest.raises(requests.Timeout):
        requests.get(
            f"{sandbox.url}/evotor/api/stores",
            headers={"Authorization": f"Bearer {sandbox.evotor_token}"},
            timeout=0.5,
        )
    sandbox.clear_faults()
    assert sandbox.evotor("/stores").status_code == 200


def test_unknown_fault_kind_is_refused(sandbox):
    resp = requests.post(f"{sandbox.url}/_admin/faults", json={"kind": "meteor"}, timeout=5)
    assert resp.status_code == 400


def test_counters_and_request_log(sandbox, token):
    sandbox.clear_log()
    sandbox.vk("users.get", token)
    sandbox.vk("users.get", token)
    counters = sandbox.counters()
    assert counters["methods"]["users.get"] == 2
    assert len(counters["vk_token_timestamps"][sandbox.token_key(token)]) == 2
    log = sandbox.requests(service="vk")
    assert [r["method"] for r in log] == ["users.get", "users.get"] and log[0]["params"][
        "access_token"
    ] == "***"


def test_market_page_shows_items_hidden_and_deleted(sandbox, token):
    shop = -SHOP_ID
    kept = sandbox.vk(
        "market.add",
        token,
        owner_id=shop,
        name="Видимый товар",
        description="Описание видимого",
        category_id=101,
        price=10,
    )["response"]["market_item_id"]
    sandbox.vk(
        "market.add",
        token,
        owner_id=shop,
        name="Скрытый товар",
        description="Описание скрытого",
        category_id=101,
        price=10,
        deleted=1,
    )
    gone = sandbox.vk(
        "market.add",
        token,
        owner_id=shop,
        name="Удалённый товар",
        description="Описание удалённого",
        category_id=101,
        price=10,
    )["response"]["market_item_id"]
    sandbox.delete_vk_item(gone)
    album = sandbox.vk("market.addAlbum", token, owner_id=shop, title="Подборка «Напитки»")["response"]
    sandbox.vk("market.addToAlbum", token, owner_id=shop, item_ids=kept, album_ids=album["market_album_id"])
    page = requests.get(f"{sandbox.url}/market", timeout=5).text
    assert "Видимый товар" in page and "скрыт" in page and "удалён" in page and "Подборка «Напитки»" in page
    assert {i["title"]: (i["hidden"], i["deleted"]) for i in sandbox.vk_items()} == {
        "Видимый товар": (False, False),
        "Скрытый товар": (True, False),
        "Удалённый товар": (False, True),
    }


def test_cli_works_on_a_state_file(tmp_path, capsys):
    from evosync.sandbox.cli import main

    state = str(tmp_path / "s.sqlite3")
    assert main(["--state", state, "reset", "--products", "50"]) == 0
    assert json.loads(capsys.readouterr().out)["products"] == 50
    assert main(["--state", state, "faults", "add", "vk_error", "--spec", '{"code": 9}']) == 0
    capsys.readouterr()
    assert main(["--state", state, "faults", "list"]) == 0
    assert json.loads(capsys.readouterr().out)["faults"][0]["code"] == 9
