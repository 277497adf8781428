"""EvotorClient against the sandbox over real HTTP on loopback."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from evosync.evotor import (
    EvotorClient,
    NotFound,
    RateLimited,
    RightsMissing,
    TokenInvalid,
    Unavailable,
)

STORE_1 = "20240115-3A7C-4B2E-80D1-6F2A9C4E1B01"


def test_stores_and_nested_groups(evotor):
    stores = evotor.stores()
    assert len(stores) == 2 and STORE_1 in {s.id for s in stores}
    groups = evotor.product_groups(STORE_1)
    ids = {g.id for g in groups}
    assert any(g.parent_id in ids for g in groups)  # at least one nested group
    assert all(g.store_id == STORE_1 and g.name for g in groups)


def test_products_follow_the_cursor_across_three_pages(sandbox, evotor_url):
    sandbox.reset(products=3000)  # store 1 gets 2400 → pages of 1000, 1000, 400; tokens are wiped too
    evotor = EvotorClient(sandbox.mint_evotor_token(), evotor_url)
    before = sandbox.counters()["all"].get("evotor:products", 0)
    products = evotor.products(STORE_1)
    assert len(products) == 2400 and len({p.id for p in products}) == 2400
    assert sandbox.counters()["all"]["evotor:products"] - before == 3
    assert all(isinstance(p.price, Decimal) for p in products)
    assert any(p.quantity is None for p in products)  # absent quantity stays None
    assert any(p.parent_id is None for p in products)


def test_unknown_store_is_not_found(evotor):
    with pytest.raises(NotFound) as info:
        evotor.product_groups("20990101-0000-0000-0000-000000000000")
    assert info.value.status == 404 and info.value.message_ru


def test_bad_token_is_token_invalid_and_never_echoed(evotor_url):
    secret = "00000000-dead-beef-0000-000000000000"
    with pytest.raises(TokenInvalid) as info:
        EvotorClient(secret, evotor_url, max_retries=0).stores()
    assert info.value.status == 401
    assert secret not in str(info.value) and secret not in info.value.message_ru
    assert "Эвотор" in info.value.message_ru


@pytest.mark.parametrize(
    ("status", "cls"), [(401, TokenInvalid), (403, RightsMissing), (500, Unavailable), (503, Unavailable)]
)
def test_status_faults_map_to_typed_errors(sandbox, evotor, status, cls):
    sandbox.fault("evotor_error", status=status)
    with pytest.raises(cls) as info:
        evotor.stores()
    assert info.value.status == status and info.value.message_ru


def test_missing_scope_is_rights_missing(sandbox, evotor_url):
    token = sandbox.mint_evotor_token(scope="store:read")
    with pytest.raises(RightsMissing):
        EvotorClient(token, evotor_url).products(STORE_1)


def test_5xx_retries_are_bounded(sandbox, evotor, sleeps):
    sandbox.fault("evotor_error", status=500)
    before = sandbox.counters()["all"].get("evotor:stores", 0)
    with pytest.raises(Unavailable):
        evotor.stores()
    assert sandbox.counters()["all"]["evotor:stores"] - before == 4  # 1 try + max_retries=3
    assert len(sleeps) == 3 and sleeps == sorted(sleeps)


def test_transient_5xx_recovers(sandbox, evotor, sleeps):
    sandbox.fault("evotor_error", status=502, count=2)
    assert len(evotor.stores()) == 2
    assert len(sleeps) == 2


def test_429_waits_for_the_reset_then_succeeds(sandbox, evotor, sleeps):
    sandbox.fault("evotor_error", status=429, reset=2, count=1)
    assert len(evotor.stores()) == 2
    assert sleeps == [2.0]


def test_429_that_persists_is_rate_limited(sandbox, evotor, sleeps):
    sandbox.fault("evotor_error", status=429, reset=1)
    with pytest.raises(RateLimited) as info:
        evotor.stores()
    assert info.value.retry_after == 1.0 and len(sleeps) == 3


def test_hanging_server_aborts_within_timeout_plus_one_second(sandbox, evotor_token, evotor_url):
    sandbox.fault("hang", service="evotor", seconds=30)
    client = EvotorClient(evotor_token, evotor_url, timeout=(1, 1), max_retries=0)
    started = time.monotonic()
    try:
        with pytest.raises(Unavailable):
            client.stores()
    finally:
        elapsed = time.monotonic() - started
        sandbox.clear_faults()
    assert elapsed < 2.0


def test_product_image_bytes_or_none(sandbox, evotor):
    products = evotor.products(STORE_1)
    with_image = [p for p in products if p.id.endswith("7")][:20]
    images = [evotor.product_image(STORE_1, p.id) for p in with_image]
    found = [b for b in images if b]
    assert found and all(b[:2] == b"\xff\xd8" or b[:4] == b"\x89PNG" for b in found)
    assert None in images or len(found) == len(images)
    assert evotor.product_image(STORE_1, "no-such-product") is None


def test_token_never_in_urls_of_the_request_log(sandbox, evotor, evotor_token):
    evotor.stores()
    evotor.product_groups(STORE_1)
    rows = sandbox.requests()
    assert rows
    for row in rows:
        assert evotor_token not in str(row.get("path", "")) and evotor_token not in str(row.get("url", ""))


def test_prices_and_quantities_arrive_exact_through_the_fast_decoder(sandbox, evotor):
    # The product pages are decoded with orjson (fractions as floats): Evotor's widest price (7 + 2 digits)
    # and a three-decimal weight read back exactly.
    pid = sandbox.product_id(1)
    sandbox.set_product(pid, price=9999999.99, quantity=0.125, cost_price=1234567.01)
    [product] = [p for p in evotor.products(STORE_1) if p.id == pid]
    assert (product.price, product.quantity) == (Decimal("9999999.99"), Decimal("0.125"))
