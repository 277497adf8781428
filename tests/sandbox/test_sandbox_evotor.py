"""The emulated Evotor API and OAuth, over real HTTP."""

import io

import requests
from PIL import Image

from evosync.sandbox import catalog

S1, S2 = catalog.STORE_1, catalog.STORE_2


def _all_products(sandbox, store_id, token=None):
    items, cursor, pages = [], None, 0
    while True:
        params = {"cursor": cursor} if cursor else {}
        resp = sandbox.evotor(f"/stores/{store_id}/products", token, **params)
        assert resp.status_code == 200
        body = resp.json()
        items += body["items"]
        pages += 1
        cursor = body["paging"].get("next_cursor")
        if not cursor:
            return items, pages


def test_stores_and_nested_groups(sandbox):
    stores = sandbox.evotor("/stores").json()
    assert [s["id"] for s in stores["items"]] == [S1, S2]
    assert stores["paging"] == {}
    assert "address" not in stores["items"][1]
    groups = sandbox.evotor(f"/stores/{S1}/product-groups").json()["items"]
    by_id = {g["id"]: g for g in groups}
    coffee = next(g for g in groups if g["name"] == "Кофе")
    parent = by_id[coffee["parent_id"]]
    assert parent["name"] == "Горячие напитки" and by_id[parent["parent_id"]]["name"] == "Напитки"
    assert any(g["name"] == "Табак" for g in groups)


def test_paging_across_three_pages_is_complete_and_stable(sandbox):
    sandbox.reset(products=3500)
    items, pages = _all_products(sandbox, S1)
    assert pages == 3
    assert len(items) == catalog.store_sizes(3500)[S1] == len({p["id"] for p in items})
    again, _ = _all_products(sandbox, S1)
    assert again == items


def test_edge_cases_are_in_the_catalog(sandbox):
    items, _ = _all_products(sandbox, S1)
    names = {p["name"]: p for p in items}
    assert any(len(n) == 128 for n in names)
    assert any(len(n) == 2 for n in names)
    assert any("parent_id" not in p for p in items)
    assert any(p["price"] == 0 for p in items)
    assert any("quantity" not in p for p in items)
    assert any(p["allow_to_sell"] is False for p in items)
    assert any(p.get("parent_id") == catalog.ORPHAN_PARENT for p in items)
    assert all(v is not None for p in items for v in p.values())


def test_authentication_errors(sandbox):
    assert requests.get(f"{sandbox.url}/evotor/api/stores", timeout=5).status_code == 401
    assert sandbox.evotor("/stores", "not-a-token").status_code == 401
    sandbox.revoke(token=sandbox.evotor_token)
    assert sandbox.evotor("/stores").status_code == 401
    limited = sandbox.mint_evotor_token(scope="store:read")
    assert sandbox.evotor("/stores", limited).status_code == 200
    assert sandbox.evotor(f"/stores/{S1}/products", limited).status_code == 403
    fresh = sandbox.mint_evotor_token()
    assert sandbox.evotor("/stores/20990101-0000-0000-0000-000000000000/products", fresh).status_code == 404


def test_quantity_needs_the_stock_scope(sandbox):
    token = sandbox.mint_evotor_token(scope="store:read product-group:read product:read")
    items = sandbox.evotor(f"/stores/{S1}/products", token).json()["items"]
    assert all("quantity" not in p for p in items)


def test_product_images_are_small_jpegs(sandbox):
    items, _ = _all_products(sandbox, S1)
    # The first product that has an image (asking for every product's images took ~25 s).
    images = (sandbox.evotor(f"/stores/{S1}/products/{p['id']}/images").json()["items"] for p in items)
    image = next((found[0] for found in images if found), None)
    assert image is not None
    blob = requests.get(image["url"], timeout=5).content
    with Image.open(io.BytesIO(blob)) as img:
        assert img.format == "JPEG" and img.size[0] <= 300 and img.size[1] <= 300
    assert sandbox.evotor(f"/stores/{S1}/products/{sandbox.product_id(2)}/images").json()["items"] == []


def test_catalog_mutations_show_up(sandbox):
    pid = sandbox.product_id(20)
    sandbox.set_product(pid, price=12345.5, name="Новое имя", quantity=None)
    product = sandbox.evotor(f"/stores/{S1}/products/{pid}").json()
    assert (product["price"], product["name"]) == (12345.5, "Новое имя") and "quantity" not in product
    sandbox.delete_product(sandbox.product_id(21))
    added = sandbox.add_product(name="Новинка сезона", price=99)
    ids = {p["id"] for p in _all_products(sandbox, S1)[0]}
    assert sandbox.product_id(21) not in ids and added["id"] in ids and pid in ids


def test_faults_401_403_429_and_5xx(sandbox):
    for status in (401, 403, 500):
        sandbox.fault("evotor_error", status=status, count=1)
        assert sandbox.evotor("/stores").status_code == status
        assert sandbox.evotor("/stores").status_code == 200
    sandbox.fault("evotor_error", status=429, reset=7, count=1)
    resp = sandbox.evotor("/stores")
    assert resp.status_code == 429 and resp.headers["X-RateLimit-Reset"] == "7"
    sandbox.fault("http_error", service="evotor", status=503, count=2)
    assert [sandbox.evotor("/stores").status_code for _ in range(3)] == [503, 503, 200]


def test_oauth_code_flow(sandbox):
    cfg = sandbox.config()
    params = {
        "client_id": cfg["EVOTOR_CLIENT_ID"],
        "response_type": "code",
        "redirect_uri": "http://127.0.0.1:9/cb",
        "state": "xyz",
    }
    page = requests.get(cfg["EVOTOR_AUTHORIZE_URL"], params=params, timeout=5)
    assert page.status_code == 200 and "Разрешить доступ" in page.text
    resp = requests.post(
        cfg["EVOTOR_AUTHORIZE_URL"], data={**params, "decision": "allow"}, allow_redirects=False, timeout=5
    )
    location = requests.utils.urlparse(resp.headers["Location"])
    query = dict(p.split("=", 1) for p in location.query.split("&"))
    assert query["state"] == "xyz"
    form = {"grant_type": "authorization_code", "code": query["code"], "redirect_uri": params["redirect_uri"]}
    bad = requests.post(
        cfg["EVOTOR_TOKEN_URL"], data=form, auth=(cfg["EVOTOR_CLIENT_ID"], "wrong"), timeout=5
    )
    assert bad.status_code == 401
    ok = requests.post(
        cfg["EVOTOR_TOKEN_URL"],
        data=form,
        auth=(cfg["EVOTOR_CLIENT_ID"], cfg["EVOTOR_CLIENT_SECRET"]),
        timeout=5,
    )
    token = ok.json()["access_token"]
    assert sandbox.evotor("/stores", token).status_code == 200
    replay = requests.post(
        cfg["EVOTOR_TOKEN_URL"],
        data=form,
        auth=(cfg["EVOTOR_CLIENT_ID"], cfg["EVOTOR_CLIENT_SECRET"]),
        timeout=5,
    )
    assert replay.status_code == 400


def test_home_page_shows_the_demo_token(sandbox):
    page = requests.get(sandbox.url + "/", timeout=5)
    assert page.status_code == 200 and sandbox.evotor_token in page.text and "Песочница" in page.text


def test_demo_catalog_has_forbidden_goods_articles_and_shops_without_stock(sandbox):
    items = []
    for store in (S1, catalog.STORE_2):
        items += _all_products(sandbox, store)[0]
    types = {p["type"] for p in items}
    assert {"ALCOHOL_NOT_MARKED", "ALCOHOL_MARKED", "BEER_MARKED", "TOBACCO_MARKED"} <= types
    assert any("вейп" in p["name"].lower() and p["type"] == "NORMAL" for p in items)
    assert sum(1 for p in items if p.get("article_number")) > len(items) * 0.8
    assert any(p.get("quantity") == 0 for p in items) and any(p.get("quantity", 0) < 0 for p in items)
    assert any("quantity" not in p for p in items)


def test_listed_pages_follow_every_change_made_after_they_were_served(sandbox):
    # The product pages are kept once generated: a change must still show in the very next listing.
    before, _ = _all_products(sandbox, S1)
    pid = sandbox.product_id(20)
    sandbox.set_product(pid, price=777.7)
    sandbox.delete_product(sandbox.product_id(21))
    added = sandbox.add_product(name="Новинка после кэша", price=5)
    after = {p["id"]: p for p in _all_products(sandbox, S1)[0]}
    assert after[pid]["price"] == 777.7 and before != list(after.values())
    assert sandbox.product_id(21) not in after and after[added["id"]]["name"] == "Новинка после кэша"
    token = sandbox.mint_evotor_token(scope="store:read product-group:read product:read")
    items = sandbox.evotor(f"/stores/{S1}/products", token).json()["items"]
    assert items and all("quantity" not in p for p in items)
    assert any("quantity" in p for p in sandbox.evotor(f"/stores/{S1}/products").json()["items"])
