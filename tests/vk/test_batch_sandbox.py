"""execute batching against the sandbox: 60 queued calls → 3 requests, per-call results and errors."""

from __future__ import annotations

from decimal import Decimal

from evosync.vk import Batch
from evosync.vk import errors as E
from evosync.vk import params as P
from tests.vk.conftest import SHOP_GROUP_ID

OWNER = -SHOP_GROUP_ID


def test_sixty_calls_make_three_executes_with_per_call_results(sandbox, vk):
    batch = Batch(vk)
    bad = {7, 31, 58}
    for i in range(60):
        name = "Ок" if i in bad else f"Товар №{i}"  # 2 characters: VK refuses names under 4
        batch.add(*P.market_add(OWNER, name, f"Описание товара №{i}", 101, Decimal("99.50"), sku=f"sku-{i}"))
    before = sandbox.method_calls("execute")
    results = batch.run()
    assert sandbox.method_calls("execute") - before == 3
    assert vk.method_counts["execute"] == 3 and len(batch) == 0
    assert len(results) == 60
    for i, r in enumerate(results):
        assert r.params["sku"] == f"sku-{i}"
        if i in bad:
            assert isinstance(r.error, E.ItemError) and r.error.code == 100 and r.error.method == "market.add"
        else:
            assert r.ok and int(r.result["market_item_id"]) > 0
    created = {i.sku: i.id for i in vk.market_get(OWNER)}
    assert {f"sku-{i}" for i in range(60) if i not in bad} <= set(created)
    ids = [r.result["market_item_id"] for r in results if r.ok]
    edits = vk.execute_many(
        [P.market_edit(OWNER, item_id, price=Decimal(1)) for item_id in ids]
        + [P.market_edit(OWNER, 999999999, price=Decimal(1))]
    )
    assert all(r.ok for r in edits[:-1]) and edits[-1].error.code == 1403


def test_request_level_error_keeps_partial_results(sandbox, vk):
    calls = [P.market_get(OWNER, count=1)] * 30
    sandbox.fault("vk_error", code=9, methods=["execute"], count=1)
    try:
        vk.execute_many(calls)
    except E.Flood as exc:
        assert exc.partial_results == []
    else:  # pragma: no cover
        raise AssertionError("flood control was not raised")
