"""The sync against the sandbox over HTTP, on both databases: create, no-op rerun, edits, hides, recreation."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from evosync.catalog.models import CatalogGroup, CatalogProduct
from evosync.extensions import db as _db
from evosync.goods import forbidden
from evosync.sync.runs.models import SyncRun
from tests.sync.conftest import live_items, write_calls


def _expected(app, user_id):
    """(sku → group) of the products that should be in VK: selected, price > 0, for sale, not forbidden."""
    with app.app_context():
        rows = _db.session.execute(
            select(
                CatalogProduct.evotor_id, CatalogProduct.group_id, CatalogProduct.type, CatalogProduct.name
            ).where(
                CatalogProduct.user_id == user_id,
                CatalogProduct.price > 0,
                CatalogProduct.allow_to_sell.is_(True),
            )
        ).all()
        known = set(
            _db.session.scalars(select(CatalogGroup.evotor_id).where(CatalogGroup.user_id == user_id))
        )
    # A product whose group Evotor does not list goes to no album.
    return {
        sku: group if group in known else None
        for sku, group, kind, name in rows
        if forbidden.classify(kind, name) is None
    }


def test_first_sync_creates_items_and_albums_then_rerun_writes_nothing(app, shop, sandbox, sync):
    outcome = sync(shop.id)
    assert outcome.status == "succeeded", outcome.line
    expected = _expected(app, shop.id)
    items = live_items(sandbox, app, shop.id)
    skus = Counter(i["pid"] for i in items)
    assert set(skus) == set(expected) and max(skus.values()) == 1
    assert all(not i["hidden"] for i in items)
    # Every item has a photo of its own (VK binds a photo to one item): Evotor's image or the product's card.
    thumbs = Counter(i.get("thumb_photo") for i in items)
    assert len(thumbs) == len(items) and None not in thumbs
    assert sandbox.method_calls("market.saveProductPhoto") == len(items)
    groups = {g for g in expected.values() if g}
    assert len(sandbox.vk_albums()) == len(groups) > 0
    # every grouped item sits in an album
    assert all(i.get("albums_ids") or i.get("album_ids") for i in items if expected[i["pid"]])
    with app.app_context():
        run = _db.session.scalar(select(SyncRun))
        assert (run.created, run.failed, run.status) == (len(expected), 0, "succeeded")
        assert run.skipped > 0 and run.vk_calls > 0
    sandbox.clear_log()
    again = sync(shop.id)
    assert again.status == "succeeded", again.line
    assert write_calls(sandbox) == 0
    assert "создано 0, обновлено 0" in again.line


def test_price_change_is_exactly_one_edit(app, shop, sandbox, sync):
    assert sync(shop.id).status == "succeeded"
    sku = sorted(_expected(app, shop.id))[3]
    sandbox.set_product(sku, price=12345)
    sandbox.clear_log()
    outcome = sync(shop.id)
    assert outcome.status == "succeeded" and "обновлено 1" in outcome.line
    methods = sandbox.counters()["methods"]
    assert methods.get("market.edit") == 1 and write_calls(sandbox) == 1
    item = next(i for i in live_items(sandbox, app, shop.id) if i["pid"] == sku)
    assert item["price"]["amount"] == "1234500"


def test_deleted_in_evotor_is_hidden_and_deleted_by_hand_is_recreated(app, shop, sandbox, sync):
    assert sync(shop.id).status == "succeeded"
    gone, by_hand = sorted(_expected(app, shop.id))[:2]
    sandbox.delete_product(gone)
    victim = next(i for i in live_items(sandbox, app, shop.id) if i["pid"] == by_hand)
    sandbox.delete_vk_item(victim["id"])
    outcome = sync(shop.id)
    assert outcome.status == "succeeded", outcome.line
    items = live_items(sandbox, app, shop.id)
    assert [i["hidden"] for i in items if i["pid"] == gone] == [True]
    again = [i for i in items if i["pid"] == by_hand]
    assert len(again) == 1 and again[0]["id"] != victim["id"] and not again[0]["hidden"]


def test_cli_dry_run_then_run_and_exit_codes(app, shop, sandbox, runner):
    dry = runner.invoke(args=["sync", "run", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"user {shop.id} <{shop.email}>: план:" in dry.output
    assert sandbox.counters()["methods"].get("execute", 0) == 0
    ran = runner.invoke(args=["sync", "run", "--user", shop.email])
    assert ran.exit_code == 0 and "успешно: создано" in ran.output, ran.output
    assert runner.invoke(args=["sync", "run", "--user", "nobody@example.ru"]).exit_code == 1
    sandbox.set_product(sandbox.product_id(12), price=4321)
    sandbox.fault("http_error", status=500, service="vk", methods=["execute"])
    failed = runner.invoke(args=["sync", "run"])
    assert failed.exit_code == 1 and "ошибка" in failed.output, failed.output


def test_cli_dry_run_of_a_user_with_nothing_selected_plans_nothing(app, make_user, sandbox, runner):
    """With no rules the filters would pass everything; the dry run says what /sync says instead."""
    from tests.factories import connect_accounts
    from tests.sync.conftest import include_stores

    user = make_user(email="nothing-selected@example.ru")
    connect_accounts(app, user.id, sandbox)
    include_stores(app, user.id, [])  # the catalog fetched, no rule
    dry = runner.invoke(args=["sync", "run", "--user", user.email, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"user {user.id} <{user.email}>: план: не настроено: в каталоге ничего не выбрано" in dry.output
    assert "создать" not in dry.output


def test_cli_on_a_terminal_keeps_stdout_for_the_summary_lines(app, app_config, shop, sandbox):
    """`flask sync run --user X` on a terminal: no progress bar on stdout (it goes to stderr)."""
    import os
    import pty
    import subprocess

    from tests.sync.helpers import ROOT, cli_env, flask_cmd

    master, slave = pty.openpty()
    try:
        proc = subprocess.run(
            flask_cmd("sync", "run", "--user", str(shop.id), "--dry-run"),
            env=cli_env(app_config),
            cwd=ROOT,
            stdout=slave,
            stderr=subprocess.PIPE,
            timeout=120,
            check=False,
        )
        os.close(slave)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(master)
    stdout = b"".join(chunks).decode()
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in stdout.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"user {shop.id} <") and "план:" in lines[0], stdout


def _product_listings(sandbox) -> int:
    return sum(1 for r in sandbox.requests("evotor") if r["path"].endswith("/products"))


def test_a_cron_run_right_after_the_cron_refresh_does_not_fetch_the_catalog_again(app, shop, sandbox, sync):
    """bin/evosync-cron refreshes every catalog, then syncs: the run reuses a catalog that fresh."""
    from datetime import timedelta

    from evosync.catalog.models import CatalogState
    from evosync.db import utcnow

    app.config["SYNC_CATALOG_MAX_AGE"] = 300
    before = _product_listings(sandbox)  # the shop fixture has just refreshed the catalog
    assert before > 0
    outcome = sync(shop.id)
    assert outcome.status == "succeeded", outcome.line
    assert _product_listings(sandbox) == before
    assert len(live_items(sandbox)) > 20

    with app.app_context():  # older than SYNC_CATALOG_MAX_AGE: the run fetches it again
        state = _db.session.scalar(select(CatalogState).where(CatalogState.user_id == shop.id))
        state.refreshed_at = utcnow() - timedelta(seconds=301)
        _db.session.commit()
    assert sync(shop.id).status == "succeeded"
    assert _product_listings(sandbox) > before


def test_a_manual_run_always_fetches_the_catalog(app, shop, sandbox, sync):
    """The merchant pressing «Синхронизировать сейчас» expects what Evotor has now."""
    app.config["SYNC_CATALOG_MAX_AGE"] = 300
    before = _product_listings(sandbox)
    assert sync(shop.id, "manual").status == "succeeded"
    assert _product_listings(sandbox) > before
