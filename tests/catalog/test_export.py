"""GET /catalog/export.csv: BOM, every product with its decision, formula cells neutralised."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from evosync.catalog.export import neutralise, number
from evosync.catalog.models import CatalogProduct
from evosync.db import utcnow


def _rows(response):
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def test_export_lists_every_product_with_decision_and_reason(auth_client, shop, ids, db):
    auth_client.post(
        "/catalog/filters", data={"entity_type": "group", "entity_id": ids.group("Кофе"), "mode": "exclude"}
    )
    response = auth_client.get("/catalog/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert f"evosync-catalog-{utcnow():%Y-%m-%d}.csv" in response.headers["Content-Disposition"]
    rows = _rows(response)
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Магазин", "Группа", "Товар"] and header[-2:] == ["Синхронизируется", "Причина"]
    total = db.session.scalar(select(func.count()).select_from(CatalogProduct))
    assert len(body) == total
    coffee = [r for r in body if r[1] == "Напитки / Горячие напитки / Кофе"]
    assert coffee and all(r[-2:] == ["нет", "исключён: группа «Кофе» исключена"] for r in coffee)
    assert any(r[-2:] == ["да", "синхронизируется"] for r in body)


def test_with_no_rules_the_export_says_nothing_syncs_like_the_page(auth_client, shop, db):
    page = auth_client.get("/catalog/products").get_data(as_text=True)
    assert "правил нет: ничего не синхронизируется" in page
    body = _rows(auth_client.get("/catalog/export.csv"))[1:]
    assert body and {r[-2] for r in body} == {"нет"}
    reasons = {r[-1] for r in body if not r[-1].startswith("не публикуется")}  # forbidden goods say why
    assert reasons == {"правил нет: ничего не синхронизируется"}


def test_formula_cells_are_neutralised(auth_client, shop, sandbox, refresh):
    for name in ('=HYPERLINK("http://evil")', "+1+2", "-cmd", "@SUM(A1)", "\tTab", "\rCR"):
        sandbox.add_product(name=name, price=5)
    refresh(shop)
    names = {r[2] for r in _rows(auth_client.get("/catalog/export.csv"))[1:]}
    for bad in ('=HYPERLINK("http://evil")', "+1+2", "-cmd", "@SUM(A1)", "\tTab", "\rCR"):
        assert "'" + bad in names
        assert bad not in names


def test_price_cells_are_written_as_number_writes_them(auth_client, shop, sandbox, refresh, db):
    # The price cell is formatted in SQL (a scale-4 text, trailing zeros and point dropped, a comma), which
    # must give what number() gives for the stored price, on both databases.
    written = {
        "0": 0, "5": 5, "149,9": 149.9, "9999999,99": 9999999.99, "0,01": 0.01, "100,1": 100.1, "1234,5": 1234.5,
    }  # fmt: skip
    names = {f"Цена {cell}": cell for cell in written}
    for name, cell in names.items():
        sandbox.add_product(name=name, price=written[cell])
    refresh(shop)
    rows = _rows(auth_client.get("/catalog/export.csv"))
    price_at = rows[0].index("Цена")
    by_name = {r[2]: r[price_at] for r in rows[1:]}
    assert {name: by_name[name] for name in names} == names
    stored = dict(db.session.execute(select(CatalogProduct.evotor_id, CatalogProduct.price)).all())
    assert all(r[price_at] == number(stored[r[3]]) for r in rows[1:])


def test_rows_with_separators_or_quotes_are_quoted_as_the_csv_module_quotes_them():
    from evosync.catalog.export import line_writer

    line = line_writer()
    for cells in [("a", "b"), ("a;b", "c"), ('say "hi"', ""), ("two\nlines", "x"), ("cr\r", "y"), ("", "")]:
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerow(cells)
        assert line(cells) == buffer.getvalue(), cells


def test_neutralise_and_number_helpers():
    assert neutralise("Чай") == "Чай"
    assert neutralise("=1") == "'=1"
    from decimal import Decimal

    assert number(Decimal("12.5000")) == "12,5"
    assert number(Decimal("100.0000")) == "100"
    assert number(None) == ""


def test_export_needs_login_and_shows_only_own_products(client, shop, make_user, login):
    assert client.get("/catalog/export.csv").status_code in (302, 401)
    other = make_user(email="other@example.ru")
    login(other.email)
    rows = _rows(client.get("/catalog/export.csv"))
    assert len(rows) == 1  # just the header: the other user has no catalog
