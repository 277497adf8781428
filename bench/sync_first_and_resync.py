"""Benchmark: a first sync of N products and an unchanged re-sync, against a sandbox on loopback.

Run: ``.venv/bin/python bench/sync_first_and_resync.py [--products 10000] [--vk-rps 1000]``.
Prints VK requests against the target ``ceil(writes / 25) + photo uploads`` (within 10 %), and
for the re-sync the write calls (target 0) and the reads it needed. The sandbox's VK limit is raised so the
run is bound by work, not by the 3 rps a real token gets (at 3 rps the same requests take requests/3 s).
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evotor_fetch import admin, sandbox

from evosync import create_app
from evosync.sandbox.urls import provider_urls
from evosync.sandbox.vk_demo import SHOP_GROUP_ID

WRITES = ("market.add", "market.edit", "market.delete", "market.addAlbum", "market.addToAlbum")
UPLOAD = ("market.getProductPhotoUploadServer", "market.saveProductPhoto")


def clear_log(url: str) -> None:
    """Empty the sandbox's request log and counters."""
    req = urllib.request.Request(f"{url}/_admin/requests", method="DELETE")
    urllib.request.urlopen(req, timeout=60).close()


def setup(app, url: str) -> int:
    """A user with both sandbox connections and the sync enabled + confirmed; returns the user id."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from evosync.auth.service import create_user
    from evosync.catalog.models import CatalogStore
    from evosync.catalog.refresh import refresh_catalog
    from evosync.catalog.service import set_filter
    from evosync.connections.clients import evotor_client_for
    from evosync.connections.service import save_tokens
    from evosync.db import utcnow
    from evosync.extensions import db
    from evosync.rules.models import SyncConfig

    upgrade()
    user = create_user("bench@example.ru", "bench pass phrase")
    db.session.flush()
    pair = admin(url, "/tokens/vk", {})
    save_tokens(user.id, "evotor", admin(url, "/tokens/evotor", {})["token"], auth_method="token")
    vk = save_tokens(
        user.id,
        "vk",
        pair["access_token"],
        refresh_token=pair["refresh_token"],
        expires_at=utcnow() + timedelta(hours=1),
        device_id=pair["device_id"],
    )
    vk.vk_group_id = SHOP_GROUP_ID
    db.session.add(SyncConfig(user_id=user.id, is_enabled=True, confirmed_at=utcnow()))
    db.session.commit()
    # A user without rules is «Не настроено» and never syncs: fetch the catalog and include every store
    # (the same products as no rules at all).
    refresh_catalog(user.id, evotor_client_for(user.id), lambda *a: None)
    for store in db.session.scalars(select(CatalogStore).where(CatalogStore.user_id == user.id)):
        set_filter(user.id, "store", store, "include")
    db.session.commit()
    return user.id


def measure(app, url: str, user_id: int, label: str) -> dict:
    """Run one sync and print what VK saw."""
    from evosync.extensions import db
    from evosync.sync.engine.runner import run_user
    from evosync.sync.runs.models import SyncRun

    clear_log(url)
    started = time.perf_counter()
    outcome = run_user(user_id)
    elapsed = time.perf_counter() - started
    run = db.session.get(SyncRun, outcome.run_id)
    print(f"[{label}] run #{run.id}: {run.duration_ms} ms, VK requests counted by the run {run.vk_calls}")
    counters = admin(url, "/counters")
    methods = counters["methods"]
    writes = sum(methods.get(m, 0) for m in WRITES)
    executes = methods.get("execute", 0)
    uploads = methods.get("market.saveProductPhoto", 0)
    requests = counters["all"].get("vk_requests", 0)
    upload_posts = counters["all"].get("http:upload", 0)
    reads = requests - executes - sum(methods.get(m, 0) for m in UPLOAD)
    print(f"[{label}] {outcome.line}")
    print(f"[{label}] wall {elapsed:.1f} s; VK API requests {requests} (+ {upload_posts} upload POSTs)")
    print(
        f"[{label}] write calls {writes} in {executes} execute requests (ceil(writes/25) = {math.ceil(writes / 25)})"
    )
    print(f"[{label}] photo uploads {uploads} (each: getUploadServer + POST + save = 3 requests)")
    print(f"[{label}] reads (market.get pages, getAlbums, getCategories, health check) {reads}")
    return {
        "requests": requests + upload_posts,
        "writes": writes,
        "uploads": uploads,
        "reads": reads,
        "executes": executes,
    }


def main() -> None:
    """First sync, then an unchanged re-sync, of ``--products`` products."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--vk-rps", type=int, default=1000)
    args = parser.parse_args()
    with sandbox(products=args.products, vk_rps=args.vk_rps) as url, tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "ENV": "testing",
                "SECRET_KEY": "bench-" + "x" * 40,
                "TOKEN_KEYS": "Lm4Wc7N8kq4cAqJ8X0m0q9mJw3rR2cCFe3yU8m0n8aA=",
                "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite",
                "VK_RPS": args.vk_rps,
                **provider_urls(url),
            }
        )
        with app.app_context():
            user_id = setup(app, url)
            first = measure(app, url, user_id, "first sync")
            target = math.ceil(first["writes"] / 25) + 3 * first["uploads"]
            print(
                f"[first sync] requests {first['requests']} vs target ceil(writes/25) + 3·uploads = {target}: "
                f"{100 * (first['requests'] - target) / target:+.1f} % (reads included)"
            )
            again = measure(app, url, user_id, "unchanged re-sync")
            print(f"[unchanged re-sync] write calls {again['writes']} (target 0), reads {again['reads']}")


if __name__ == "__main__":
    main()
