"""Catalog pages: empty states, stores, a store's group tree, products with search/filters/pagination."""

from __future__ import annotations

import pytest

from evosync.sandbox import catalog as demo


def test_catalog_needs_login(client, backend):
    response = client.get("/catalog")
    assert response.status_code in (302, 401)


def test_without_evotor_the_page_links_to_connections(auth_client):
    response = auth_client.get("/catalog")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Эвотор не подключён" in html
    assert 'href="/connections"' in html
    assert "Обновить каталог" not in html


def test_connected_but_never_fetched_offers_the_refresh_button(auth_client, user, connect_evotor):
    connect_evotor(user)
    html = auth_client.get("/catalog").get_data(as_text=True)
    assert "Обновить каталог" in html
    assert "ещё не загружен" in html


def test_stores_table_shows_counts_decisions_and_buttons(auth_client, shop):
    response = auth_client.get("/catalog")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Кофейня «Ёжик» на Ленина".replace("«", "&#171;") in html or "Кофейня" in html
    assert "Склад №2" in html
    assert html.count('data-entity="store"') == 2
    assert 'hx-target="closest tr"' in html
    assert "синхронизируется" in html
    assert response.headers["Vary"] and "HX-Request" in response.headers["Vary"]


def test_htmx_refresh_of_the_page_answers_only_the_table(auth_client, shop):
    response = auth_client.get("/catalog", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="catalog-stores"')
    assert "<html" not in html


def test_store_page_shows_the_group_tree_indented(auth_client, shop):
    html = auth_client.get(f"/catalog/stores/{demo.STORE_1}").get_data(as_text=True)
    assert "Напитки" in html and "Кофе" in html
    # «Кофе» sits two levels down (Напитки → Горячие напитки → Кофе).
    row = html.split("Кофе</a>")[0].rsplit("<tr", 1)[1]
    assert "ps-4" in row


def test_unknown_or_foreign_store_is_404(auth_client, shop):
    assert auth_client.get("/catalog/stores/nope").status_code == 404


def test_products_page_paginates_and_searches(auth_client, shop):
    html = auth_client.get("/catalog/products").get_data(as_text=True)
    assert html.count('data-entity="product"') == 50
    assert "Вперёд" in html
    html = auth_client.get("/catalog/products", query_string={"q": "ЧИЗКЕЙК"}).get_data(as_text=True)
    assert 0 < html.count('data-entity="product"') < 50
    assert "Чизкейк" in html


def test_products_filter_by_group_includes_subgroups(auth_client, ids):
    # Напитки holds «Горячие напитки», which holds «Кофе»: all their products are listed.
    group = ids.group("Напитки")
    html = auth_client.get("/catalog/products", query_string={"group": group}).get_data(as_text=True)
    assert "Капучино" in html
    assert "Круассан" not in html


@pytest.mark.parametrize(
    "args",
    [
        {"q": "\x00"},
        {"q": "a\x00b"},
        {"group": "\x00", "store": "\x00"},
        {"q": "x" * 10_000},
        {"q": "%_\\'\""},
        {"page": "-5"},
        {"page": "abc"},
        {"page": "99999999999999999999"},
        {"sort": "drop table"},
        {"status": "weird"},
    ],
)
def test_odd_product_queries_never_fail(auth_client, shop, args):
    response = auth_client.get("/catalog/products", query_string=args)
    assert response.status_code == 200


@pytest.mark.parametrize("args", [{"store": "nope"}, {"group": "nope"}, {"store": "x" * 300}])
def test_products_filter_naming_an_unknown_store_or_group_is_404(auth_client, shop, args):
    assert auth_client.get("/catalog/products", query_string=args).status_code == 404


def test_with_no_rules_no_row_claims_to_sync(auth_client, shop, ids):
    """The summary says «Не настроено» with no rules: the rows agree (nothing syncs) instead of saying «да»."""
    html = auth_client.get("/catalog").get_data(as_text=True)
    assert 'data-syncs="yes"' not in html
    assert html.count("правил нет: ничего не синхронизируется") == 2
    assert "0 из 240" in html and "0 из 60" in html
    products = auth_client.get("/catalog/products").get_data(as_text=True)
    assert 'data-syncs="yes"' not in products
    auth_client.post(
        "/catalog/filters", data={"entity_type": "store", "entity_id": ids.store(1), "mode": "include"}
    )
    html = auth_client.get("/catalog").get_data(as_text=True)
    assert 'data-syncs="yes"' in html and "правил нет" not in html and "240 из 240" in html


def test_a_product_with_no_stock_kept_reads_a_dash_without_a_unit(auth_client, shop, sandbox, refresh):
    kept = sandbox.add_product(name="Штучный товар с остатком", price=5, quantity=3, measure_name="шт")
    unknown = sandbox.add_product(name="Товар без учёта остатка", price=5, quantity=None, measure_name="шт")
    assert refresh(shop).status == "succeeded"
    html = auth_client.get("/catalog/products", query_string={"q": "товар"}).get_data(as_text=True)

    def cells(product_id):
        row = html[html.index(f'data-id="{product_id}"') :]
        return row[: row.index("</tr>")]

    assert '<td class="text-end text-nowrap">3 шт</td>' in cells(kept["id"])
    assert '<td class="text-end text-nowrap">— </td>' in cells(unknown["id"])
