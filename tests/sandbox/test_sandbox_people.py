"""«Управление песочницей»: a person changes prices, deletes and adds products and switches faults by name."""

from __future__ import annotations

import requests

from evosync.sandbox import catalog


def _first_product(sandbox) -> dict:
    return sandbox.evotor(f"/stores/{catalog.STORE_1}/products").json()["items"][0]


def test_the_page_is_russian_and_lists_products_and_faults(sandbox):
    html = requests.get(f"{sandbox.url}/controls", timeout=10).text
    for words in ("Управление песочницей", "Флуд-контроль", "Капча", "Товары выключены", "Изменить цену"):
        assert words in html
    assert _first_product(sandbox)["name"] in html


def test_price_delete_and_add_change_what_evotor_answers(sandbox):
    product = _first_product(sandbox)
    base = f"{sandbox.url}/controls/products"
    answer = requests.post(f"{base}/{product['id']}/price", data={"price": "123,45"}, timeout=10)
    assert answer.status_code == 200 and "теперь 123.45" in answer.text  # redirected back with the message
    assert sandbox.evotor(f"/stores/{catalog.STORE_1}/products/{product['id']}").json()["price"] == 123.45
    bad = requests.post(f"{base}/{product['id']}/price", data={"price": "дорого"}, timeout=10)
    assert "Цена должна быть числом" in bad.text
    requests.post(f"{base}/{product['id']}/delete", timeout=10)
    assert sandbox.evotor(f"/stores/{catalog.STORE_1}/products/{product['id']}").status_code == 404
    requests.post(base, data={"store_id": catalog.STORE_2, "name": "Новый чай", "price": "99"}, timeout=10)
    names = [p["name"] for p in sandbox.evotor(f"/stores/{catalog.STORE_2}/products").json()["items"]]
    assert "Новый чай" in names


def test_faults_switch_on_and_off_by_name(sandbox):
    switch = f"{sandbox.url}/controls/faults/captcha"
    assert "включён" in requests.post(switch, data={"switch": "on"}, timeout=10).text
    assert [f["code"] for f in sandbox.faults()] == [14]
    token = sandbox.mint_vk_tokens()["access_token"]
    assert sandbox.vk("users.get", token)["error"]["error_code"] == 14
    requests.post(switch, data={"switch": "off"}, timeout=10)
    assert sandbox.faults() == []
    assert (
        requests.post(
            f"{sandbox.url}/controls/faults/nonsense", data={"switch": "on"}, timeout=10
        ).status_code
        == 404
    )


def test_a_foreign_page_cannot_drive_the_sandbox(sandbox):
    answer = requests.post(
        f"{sandbox.url}/controls/faults/flood",
        data={"switch": "on"},
        headers={"Origin": "http://evil.example"},
        timeout=10,
    )
    assert answer.status_code == 403 and sandbox.faults() == []
