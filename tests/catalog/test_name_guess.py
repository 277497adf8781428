"""The name guess of a forbidden product, stored by the refresh and read by the CSV export and the page."""

from __future__ import annotations

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from evosync.catalog import refresh as refresh_module
from evosync.catalog.models import CatalogProduct
from evosync.goods import forbidden
from evosync.goods import service as goods_service

VAPE = "Жидкость для вейпа 30 мл"


def _guesses(db, user_id) -> dict[str, tuple[str, str | None]]:
    db.session.expire_all()
    stmt = select(CatalogProduct.evotor_id, CatalogProduct.name, CatalogProduct.name_guess).where(
        CatalogProduct.user_id == user_id
    )
    return {pid: (name, guess) for pid, name, guess in db.session.execute(stmt)}


def _export(client) -> dict[str, list[str]]:
    """The CSV rows keyed by «ID товара»."""
    body = client.get("/catalog/export.csv").get_data().decode("utf-8-sig")
    header, *rows = csv.reader(io.StringIO(body), delimiter=";")
    column = header.index("ID товара")
    return {row[column].removeprefix("'"): row for row in rows}


def test_the_refresh_stores_the_name_guess_of_every_product(shop, db, sandbox, refresh):
    vape = sandbox.add_product(name=VAPE, price=500)
    plaid = sandbox.add_product(name="Плед шерстяной", price=900)
    refresh(shop)
    guesses = _guesses(db, shop.id)
    assert guesses[vape["id"]][1] == forbidden.by_name(VAPE).what
    assert guesses[plaid["id"]][1] is None
    # The demo catalog has guessed and harmless names: each stored guess is what the patterns say.
    assert {guess for _, guess in guesses.values()} > {None}
    for name, guess in guesses.values():
        assert guess == forbidden.stored_guess(name), name


NAMES = st.lists(
    st.one_of(
        st.sampled_from(["вейп", "Кальян", "СИГАРЕТЫ", "водка", "Пиво", "безалкогольное", "ромашка", "чай"]),
        st.text("абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВЁЯabcXYZ019 %,.-", max_size=8),
    ),
    min_size=1,
    max_size=5,
).map(" ".join)


def test_stored_guesses_equal_the_name_patterns(shop, db, sandbox, refresh):
    product = sandbox.add_product(name="Товар", price=10)

    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(NAMES)
    def check(name):
        sandbox.set_product(product["id"], name=name)
        refresh(shop)
        stored_name, guess = _guesses(db, shop.id)[product["id"]]
        verdict = forbidden.by_name(stored_name)
        assert guess == (verdict.what if verdict else None)

    check()


def test_the_export_says_why_a_guessed_product_is_not_published_until_the_merchant_overrides(
    auth_client, shop, db, sandbox, refresh
):
    vape = sandbox.add_product(name=VAPE, price=500)
    refresh(shop)
    auth_client.post(
        "/catalog/filters",
        data={"entity_type": "store", "entity_id": sandbox.store_ids[0], "mode": "include"},
    )
    guessed = forbidden.by_name(VAPE)
    assert _export(auth_client)[vape["id"]][-2:] == ["нет", guessed.reason]
    page = auth_client.get("/catalog/products", query_string={"q": "вейпа"}).get_data(as_text=True)
    assert guessed.reason in page and "Это не запрещённый товар" in page
    auth_client.post(f"/goods/products/{vape['id']}/name-guess", data={"allowed": "1"})
    assert _export(auth_client)[vape["id"]][-2:] == ["да", "синхронизируется"]
    page = auth_client.get("/catalog/products", query_string={"q": "вейпа"}).get_data(as_text=True)
    assert "вы отметили, что это не запрещённый товар" in page


def test_the_export_gives_every_row_the_verdict_classify_gives_its_name(
    auth_client, shop, db, sandbox, refresh
):
    vape = sandbox.add_product(name=VAPE, price=500)
    refresh(shop)
    auth_client.post(f"/goods/products/{vape['id']}/name-guess", data={"allowed": "1"})
    auth_client.post(
        "/catalog/filters",
        data={"entity_type": "store", "entity_id": sandbox.store_ids[0], "mode": "include"},
    )
    rows = _export(auth_client)
    allowed = goods_service.overridden(shop.id)
    products = db.session.scalars(select(CatalogProduct).where(CatalogProduct.user_id == shop.id)).all()
    forbidden_rows = 0
    for p in products:
        verdict = forbidden.classify(p.type, p.name, p.evotor_id in allowed)
        if verdict is not None:
            forbidden_rows += 1
            assert rows[p.evotor_id][-2:] == ["нет", verdict.reason], p.name
        else:
            assert not rows[p.evotor_id][-1].startswith("не публикуется"), p.name
    assert forbidden_rows > 0


def test_the_product_hash_carries_the_name_rules_fingerprint(monkeypatch):
    item = {"id": "p1", "name": VAPE, "price": 500}
    before = refresh_module.item_hasher("s1")(item)
    assert refresh_module.item_hasher("s1")(item) == before
    assert refresh_module.item_hasher("s2")(item) != before  # the store is hashed too
    patterns = (*forbidden.NAME_PATTERNS[:-1], (r"\bпиво\b", "пиво"))
    assert forbidden.rules_fingerprint(patterns, forbidden._HARMLESS.pattern) != forbidden.NAME_RULES_VERSION
    assert forbidden.rules_fingerprint(forbidden.NAME_PATTERNS, "") != forbidden.NAME_RULES_VERSION
    monkeypatch.setattr(forbidden, "NAME_RULES_VERSION", "changed")
    assert refresh_module.item_hasher("s1")(item) != before
    # An item only the stdlib reads (an integer past 64 bits) is hashed too, and told apart.
    huge = {**item, "code": 2**70}
    assert refresh_module.item_hasher("s1")(huge) != refresh_module.item_hasher("s1")({**item, "code": 2**69})


def test_a_release_with_new_name_rules_recomputes_every_stored_guess(shop, db, sandbox, refresh, monkeypatch):
    plaid = sandbox.add_product(name="Плед шерстяной", price=900)
    refresh(shop)
    original = forbidden.stored_guess
    monkeypatch.setattr(forbidden, "stored_guess", lambda name: "плед" if "Плед" in name else original(name))
    job = refresh(shop)  # the same rules' fingerprint: no product is rewritten, the old guess stays
    assert "изменённых — 0" in job.message
    assert _guesses(db, shop.id)[plaid["id"]][1] is None
    monkeypatch.setattr(forbidden, "NAME_RULES_VERSION", "the next release")
    job = refresh(shop)
    total = len(_guesses(db, shop.id))
    assert f"изменённых — {total}" in job.message
    assert _guesses(db, shop.id)[plaid["id"]][1] == "плед"
