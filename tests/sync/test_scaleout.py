"""Scale-out: several `flask sync run` "hosts" on one PostgreSQL share the users without overlap, and a
killed host's users are picked up once its leases expire (docs/reliability.md E1/E5/D8)."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import time
from collections import Counter

import pytest
from sqlalchemy import select

from evosync.db import as_utc, utcnow
from evosync.extensions import db as _db
from evosync.rules.models import SyncConfig
from evosync.sync.engine.models import SyncLease
from evosync.sync.runs.models import SyncRun
from tests.factories import connect_accounts
from tests.sync.conftest import include_stores, live_items
from tests.sync.helpers import ROOT, cli_env, flask_cmd

PRODUCTS = 24


@pytest.fixture(autouse=True)
def _postgresql_only(backend):
    if backend != "postgresql":
        pytest.skip("several cron hosts share one PostgreSQL; SQLite is the single-host default")


def _fleet_users(app, make_user, sandbox, count: int) -> list:
    """``count`` users, each with its own sandbox community (one VK chain owner), sync enabled and confirmed."""
    users = []
    for index in range(count):
        user = make_user()
        connect_accounts(
            app,
            user.id,
            sandbox,
            vk_user_id=sandbox.vk_fleet_user_id,
            group_id=sandbox.vk_fleet_group_ids[index],
        )
        include_stores(app, user.id)  # configured: a user with no rules never syncs
        with app.app_context():
            config = _db.session.scalar(select(SyncConfig).where(SyncConfig.user_id == user.id))
            config.is_enabled, config.confirmed_at = True, utcnow()
            _db.session.commit()
        users.append(user)
    return users


def _host(app_config: dict, host: str, **extra) -> subprocess.Popen:
    env = cli_env({**app_config, **extra})
    env["EVOSYNC_SYNC_HOST_NAME"] = host
    return subprocess.Popen(
        flask_cmd("sync", "run"), env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _assert_each_community_complete(app, sandbox, count: int) -> None:
    for group_id in sandbox.vk_fleet_group_ids[:count]:
        skus = [item["pid"] for item in live_items(sandbox, app, group_id=group_id)]
        assert not [s for s in skus if s.startswith("orphan:")], f"orphan items in {group_id}"
        assert len(skus) == len(set(skus)), f"duplicate skus in {group_id}"
        # Skipped: price 0, not for sale, and the demo shop's alcohol and tobacco (13 of the first 24 go to VK).
        assert len(skus) >= PRODUCTS - 12, (group_id, len(skus))


def _runs(app) -> list[SyncRun]:
    with app.app_context():
        rows = _db.session.scalars(select(SyncRun).order_by(SyncRun.id)).all()
        _db.session.expunge_all()
        return rows


def test_three_hosts_share_six_users_without_overlap(app, app_config, make_user, sandbox):
    sandbox.reset(products=PRODUCTS, vk_rps=50)
    users = _fleet_users(app, make_user, sandbox, 6)
    hosts = [_host(app_config, f"host-{name}") for name in "abc"]
    for process in hosts:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, (out, err)

    runs = _runs(app)
    by_user: dict[int, list[SyncRun]] = {}
    for run in runs:
        by_user.setdefault(run.user_id, []).append(run)
    for user in users:
        user_runs = sorted(by_user[user.id], key=lambda r: r.started_at)
        assert any(r.status == "succeeded" for r in user_runs), [(r.host, r.status) for r in user_runs]
        for earlier, later in itertools.pairwise(user_runs):
            assert as_utc(earlier.finished_at) <= as_utc(later.started_at), (
                "two hosts worked on one user at once"
            )
    # `flask sync run` syncs its users in parallel, so one host may take all six before the others start;
    # what must hold is that each user's goods were created by exactly one run on one host.
    worked = Counter(run.user_id for run in runs if run.status == "succeeded" and run.created > 0)
    assert sorted(worked) == sorted(u.id for u in users) and set(worked.values()) == {1}, worked
    _assert_each_community_complete(app, sandbox, 6)


def test_killed_hosts_users_are_picked_up_after_its_lease_expires(app, app_config, make_user, sandbox):
    sandbox.reset(products=PRODUCTS, vk_rps=50)
    users = _fleet_users(app, make_user, sandbox, 3)
    # Long enough that the survivor's start-up (seconds on a busy machine) ends before the dead host's lease.
    lease = 10
    sandbox.fault("slow", seconds=0.5, service="vk", methods=["execute"])
    doomed = _host(app_config, "host-doomed", SYNC_LEASE_SECONDS=lease)
    deadline = time.monotonic() + 60
    held = None
    with app.app_context():
        while time.monotonic() < deadline and held is None:
            _db.session.rollback()
            held = _db.session.scalar(
                # run_id set: the lease is held *and* the run row exists (killed before that, no run to mark)
                select(SyncLease.user_id).where(
                    SyncLease.host == "host-doomed",
                    SyncLease.owner.is_not(None),
                    SyncLease.run_id.is_not(None),
                )
            )
            time.sleep(0.05)
    assert held is not None, "the doomed host never took a lease"
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.communicate(timeout=30)

    # Another host right away: the dead host's user is still leased (another host cannot see its pid).
    survivor = _host(app_config, "host-survivor", SYNC_LEASE_SECONDS=lease)
    out, err = survivor.communicate(timeout=300)
    assert survivor.returncode == 0, err
    assert "занято" in out, out

    sandbox.clear_faults()
    time.sleep(lease + 1)
    again = _host(app_config, "host-survivor", SYNC_LEASE_SECONDS=lease)
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err

    runs = _runs(app)
    doomed_runs = [r for r in runs if r.host == "host-doomed"]
    assert doomed_runs and all(r.status == "failed" for r in doomed_runs), [
        (r.status, r.message) for r in doomed_runs
    ]
    for user in users:
        assert any(r.user_id == user.id and r.status == "succeeded" for r in runs), user.id
    _assert_each_community_complete(app, sandbox, 3)
