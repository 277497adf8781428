"""Crash consistency (docs/reliability.md, D2): a real `flask sync run` SIGKILLed at seeded random
moments, the catalog and VK changed between rounds, then a clean rerun → no duplicate, no orphan, no
pending intent, every selected product in VK exactly once, and one more run writes nothing.
"""

from __future__ import annotations

import random
import signal
import subprocess
import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from evosync.extensions import db as _db
from evosync.sync.engine import source
from evosync.sync.engine.lease import ABANDONED_RU
from evosync.sync.engine.models import SyncLease, SyncVkItem
from evosync.sync.runs.models import SyncRun
from tests.sync.conftest import live_items, write_calls
from tests.sync.helpers import cli_env, flask_cmd, start_sync

SEED = 20261126


def _run_clean(app_config) -> str:
    done = subprocess.run(
        flask_cmd("sync", "run"), env=cli_env(app_config), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _kill_at(app, app_config, user_id: int, delay: float) -> None:
    """Start a run, wait until it holds the user's lease, then SIGKILL it ``delay`` seconds later."""
    proc = start_sync(app_config)
    deadline = time.monotonic() + 20
    with app.app_context():
        while time.monotonic() < deadline and proc.poll() is None:
            pid = _db.session.scalar(select(SyncLease.pid).where(SyncLease.user_id == user_id))
            _db.session.rollback()
            if pid == proc.pid:
                break
            time.sleep(0.02)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)


def _assert_consistent(app, user_id, sandbox) -> None:
    with app.app_context():
        wanted = set(source.preview(user_id).wanted)
        rows = {
            r.sku: (r.vk_item_id, r.intent, r.state)
            for r in _db.session.scalars(select(SyncVkItem).where(SyncVkItem.user_id == user_id))
        }
        _db.session.rollback()
    items = live_items(sandbox, app, user_id)
    # No duplicate: every live VK item is the one its product's mapping row names (an orphan would be a copy).
    orphans = [i for i in items if i["pid"] not in rows or rows[i["pid"]][0] != i["id"]]
    assert orphans == []
    per_product = Counter(i["pid"] for i in items)
    assert [s for s, n in per_product.items() if n > 1] == [], "duplicate items"
    visible = {i["pid"] for i in items if not i["hidden"]}
    assert visible == wanted, visible ^ wanted
    # Nor by content: two visible items with one name and price would be one product twice.
    looks = Counter((i["title"], i["price"]["amount"]) for i in items if not i["hidden"])
    assert [k for k, n in looks.items() if n > 1] == [], "two items look the same"
    assert [s for s, (_, intent, state) in rows.items() if intent is not None or state == "pending"] == []


def _mutate(sandbox, rng: random.Random, round_no: int, alive: list[int]) -> None:
    for index in rng.sample(alive, 10):
        sandbox.set_product(sandbox.product_id(index), price=100 + round_no * 10 + index)
    sandbox.add_product(name=f"Новинка раунда {round_no}", price=99 + round_no, quantity=3)
    gone = alive.pop(rng.randrange(len(alive)))
    sandbox.delete_product(sandbox.product_id(gone))
    items = [i for i in live_items(sandbox) if not i["hidden"]]
    for item in rng.sample(items, min(3, len(items))):
        sandbox.delete_vk_item(item["id"])


# ~15 `flask sync run` start-ups on SQLite, ~9 on PostgreSQL: about a minute each alone, three or four
# times that beside the other test workers (the global limit is 300 s). Each start-up costs ~2 s of CPU
# before the first kill can land, so more rounds buy little: the seed varies the moments, not the count.
@pytest.mark.slow
@pytest.mark.timeout(900)
def test_sigkill_at_random_points_then_rerun_is_consistent(app, app_config, backend, shop, sandbox):
    rng = random.Random(SEED)
    rounds, kills_per_round = (3, 4) if backend == "sqlite" else (2, 3)
    # Slow VK a little so the kills land inside the run, not only in interpreter start-up.
    sandbox.fault("slow", seconds=0.05, service="vk")
    kills = 0
    alive = list(range(11, 46))
    for round_no in range(rounds):
        if round_no:
            _mutate(sandbox, rng, round_no, alive)
        for _ in range(kills_per_round):
            _kill_at(app, app_config, shop.id, rng.uniform(0.0, 1.2))
            kills += 1
        _run_clean(app_config)
        _assert_consistent(app, shop.id, sandbox)
    assert kills >= (12 if backend == "sqlite" else 6)
    with app.app_context():
        abandoned = _db.session.scalar(
            select(func.count()).select_from(SyncRun).where(SyncRun.message == ABANDONED_RU)
        )
        mid_write = _db.session.scalar(select(func.count()).select_from(SyncRun).where(SyncRun.created > 0))
    print(f"kills={kills} abandoned_runs={abandoned} runs_with_creates={mid_write}")
    # Most kills must land inside a run (not in interpreter start-up) for the test to mean anything.
    assert abandoned >= kills // 3
    sandbox.clear_log()
    assert "создано 0, обновлено 0, скрыто 0, удалено 0" in _run_clean(app_config)
    assert write_calls(sandbox) == 0
