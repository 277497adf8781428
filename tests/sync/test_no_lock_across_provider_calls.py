"""No transaction keeps a database write lock while EvoSync waits on Evotor or VK.

One shop's first sync meets a provider call held past SQLite's busy timeout (15 s); meanwhile other people
register and change their rules. Every one of those requests must succeed: a sync that held a write lock
across the slow call would make them fail with «database is locked» (a 500) on SQLite and wait on
PostgreSQL's row locks.
"""

from __future__ import annotations

import threading

import pytest

from tests.sync.conftest import include_stores

HOLD_SECONDS = 17  # past the SQLite busy timeout


@pytest.mark.slow
@pytest.mark.parametrize(
    ("service", "methods"),
    [("vk", ["execute"]), ("upload", None)],
    ids=["vk-write-batch", "photo-upload"],
)
def test_others_can_write_while_a_sync_waits_on_a_slow_provider(
    app, shop, sandbox, sync, make_user, service, methods
):
    include_stores(app, shop.id)
    fault = {"service": service, "seconds": HOLD_SECONDS, "count": 1}
    if methods:
        fault["methods"] = methods
    sandbox.fault("slow", **fault)
    outcome = {}
    runner = threading.Thread(target=lambda: outcome.update(result=sync(shop.id, trigger="manual")))
    runner.start()
    other = make_user()
    client = app.test_client()
    assert (
        client.post("/login", data={"email": other.email, "password": "correct horse battery"}).status_code
        == 302
    )
    statuses = []
    while runner.is_alive() and len(statuses) < 200:
        statuses.append(
            app.test_client()
            .post(
                "/register",
                data={"email": f"new{len(statuses)}@example.ru", "password": "a long pass phrase"},
            )
            .status_code
        )
        statuses.append(
            client.post("/sync/removal-threshold", data={"percent": str(10 + len(statuses) % 80)}).status_code
        )
        runner.join(0.5)
    runner.join(120)
    assert sandbox.faults() == []  # the held call really happened during the run
    assert statuses and all(code < 500 for code in statuses), statuses
    assert outcome["result"].status in ("succeeded", "partial"), outcome["result"].line
