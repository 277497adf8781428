"""Benchmark: one scheduled cycle of N users through the schedule tick → task queue → `flask worker` processes.

Run: ``.venv/bin/python bench/scale_tick.py [--users 200] [--products 100] [--workers 2] [--threads 32]
[--vk-rps 3] [--postgresql] [--skip-first-cycle-report]``.

Everything is throwaway and on loopback: the sandbox (as its own process, with a VK chain owner of N
communities, so each user has a Market of its own, and every token limited to ``--vk-rps``), an app database
(SQLite file, or a PostgreSQL cluster of its own with ``--postgresql``), the queue (its own SQLite file on
SQLite — the default deployment — or the app database on PostgreSQL) and W real `flask worker --threads T`
subprocesses. The benchmark itself only calls the schedule's ``tick()`` (what each worker's scheduler does
every minute) and watches the run rows; the workers do the rest, exactly as in production.

Cycles, each measured from the tick to the last run's end:

1. **first sync** of every user (all N are due): each user's 100 products are created in VK with photos;
2. **one user alone**, an unchanged re-sync (the only user made due): the reference time *a*;
3. **steady state**, all N users' unchanged re-sync — the every-``SYNC_INTERVAL_MINUTES`` cycle of users
   already synced: wall time *b*. The ratio printed is *b / a* (goal ≤ 1.5 at 200 users).

"Made due" moves the users' finished runs and catalog refresh 11 minutes into the past — what ten minutes of
waiting would do — so the tick queues them and each run refreshes the catalog from Evotor (older than
``SYNC_CATALOG_MAX_AGE``), as the production cycle does. Per cycle it prints the wall time, the run
statuses, per-run durations, the workers' CPU time (user + system, from /proc) per user-run, the sandbox's
CPU, the requests the sandbox saw and the busiest 1-second window of any single token (must be ≤ VK_RPS).
Each cycle gives up after ``--timeout`` seconds, so the benchmark always stops by itself.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evotor_fetch import admin, sandbox
from flask_migrate import upgrade
from sqlalchemy import func, select
from vk_limiter import max_in_window

from evosync import create_app
from evosync.catalog.models import CatalogState
from evosync.db import as_utc, utcnow
from evosync.extensions import db
from evosync.sandbox.urls import provider_urls
from evosync.sandbox.vk_demo import FLEET_FIRST_ID, FLEET_USER_ID
from evosync.sync.runs.models import SyncRun
from evosync.tasks.schedule import tick

ROOT = Path(__file__).resolve().parent.parent
TOKEN_KEYS = "Lm4Wc7N8kq4cAqJ8X0m0q9mJw3rR2cCFe3yU8m0n8aA="
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def bench_config(args, tmp: str, db_url: str, sandbox_url: str) -> dict:
    """The app's configuration, shared by this process and the workers (through EVOSYNC_* variables)."""
    return {
        "ENV": "testing",
        "SECRET_KEY": "bench-" + "x" * 40,
        "TOKEN_KEYS": TOKEN_KEYS,
        "DATABASE_URL": db_url,
        # The default deployment: on SQLite the queue and the VK limiter have files of their own.
        "TASKS_URL": "database" if args.postgresql else f"sqlite:///{tmp}/tasks.sqlite",
        "VK_RATE_SQLITE": f"{tmp}/vk-rate.sqlite",
        "VK_RPS": str(args.vk_rps),
        "PASSWORD_HASH_MEMORY_KIB": "1024",
        "PASSWORD_HASH_TIME_COST": "1",
        **provider_urls(sandbox_url),
    }


def setup_users(url: str, count: int) -> list[int]:
    """``count`` ready users: own Evotor token, own VK token and community, refreshed catalog, every store in."""
    from evosync.auth.service import create_user
    from evosync.catalog.models import CatalogStore
    from evosync.catalog.refresh import refresh_catalog
    from evosync.catalog.service import set_filter
    from evosync.connections.clients import evotor_client_for
    from evosync.connections.service import save_tokens
    from evosync.rules.models import SyncConfig

    user_ids = []
    for index in range(count):
        user = create_user(f"shop{index + 1}@example.ru", "bench pass phrase")
        db.session.flush()
        pair = admin(url, "/tokens/vk", {"user_id": FLEET_USER_ID})
        save_tokens(user.id, "evotor", admin(url, "/tokens/evotor", {})["token"], auth_method="token")
        vk = save_tokens(
            user.id,
            "vk",
            pair["access_token"],
            refresh_token=pair["refresh_token"],
            expires_at=utcnow() + timedelta(days=30),
            device_id=pair["device_id"],
            scope="market photos groups offline",
        )
        vk.vk_group_id = FLEET_FIRST_ID + index
        db.session.add(SyncConfig(user_id=user.id, is_enabled=True, confirmed_at=utcnow()))
        db.session.commit()
        refresh_catalog(user.id, evotor_client_for(user.id), lambda *a: None)
        for store in db.session.scalars(select(CatalogStore).where(CatalogStore.user_id == user.id)):
            set_filter(user.id, "store", store, "include")
        db.session.commit()
        user_ids.append(user.id)
    return user_ids


def make_due(user_ids: list[int], minutes: int = 11) -> None:
    """What ``minutes`` of waiting would do: the users' runs and catalog refreshes are that much older."""
    shift = timedelta(minutes=minutes)
    # Row by row: SQLite keeps datetimes as text, so the shift cannot be SQL arithmetic.
    for run in db.session.scalars(select(SyncRun).where(SyncRun.user_id.in_(user_ids))):
        run.started_at -= shift
    for state in db.session.scalars(select(CatalogState).where(CatalogState.user_id.in_(user_ids))):
        state.refreshed_at -= shift
    db.session.commit()


def start_workers(config: dict, workers: int, threads: int, log_path: str) -> list[subprocess.Popen]:
    """W `flask worker --threads T` subprocesses on the bench's database, queue and sandbox (logs appended)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVOSYNC_")}
    env.update({f"EVOSYNC_{key}": value for key, value in config.items()})
    cmd = [sys.executable, "-m", "flask", "--app", "evosync", "worker", "--threads", str(threads)]
    log = open(log_path, "a")  # noqa: SIM115 - lives as long as the workers
    return [subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log, stderr=log) for _ in range(workers)]


def stop_workers(procs: list[subprocess.Popen]) -> None:
    """SIGINT (graceful), then SIGKILL whatever is still running after 60 s."""
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
    for proc in procs:
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class Cycle:
    """What one cycle measured."""

    label: str
    runs: int
    wall: float
    statuses: dict
    durations: list[float]
    worker_cpu: float
    sandbox_cpu: float
    vk_requests: int
    evotor_requests: int
    busiest_window: int
    refused: int
    failures: dict

    def report(self) -> str:
        """The cycle's lines for the console."""
        durations = sorted(self.durations) or [0.0]
        per_run = self.worker_cpu / self.runs if self.runs else 0.0
        return (
            f"[{self.label}] {self.runs} runs {self.statuses} in {self.wall:.1f} s wall; run duration median "
            f"{statistics.median(durations):.1f} s, max {durations[-1]:.1f} s\n"
            f"[{self.label}] worker CPU {self.worker_cpu:.1f} s = {per_run * 1000:.0f} ms per user-run; "
            f"sandbox CPU {self.sandbox_cpu:.1f} s\n"
            f"[{self.label}] sandbox saw {self.vk_requests} VK + {self.evotor_requests} Evotor requests; "
            f"busiest 1-s window of one token {self.busiest_window}; VK rate-limit refusals {self.refused}"
            + "".join(f"\n[{self.label}] {n} × {message}" for message, n in self.failures.items())
        )


def clear_sandbox_log(url: str) -> None:
    """Empty the sandbox's request log and counters."""
    req = urllib.request.Request(f"{url}/_admin/requests", method="DELETE")
    urllib.request.urlopen(req, timeout=60).close()


def _finished(after_id: int) -> tuple[int, int]:
    db.session.rollback()
    newer = select(func.count()).select_from(SyncRun).where(SyncRun.id > after_id)
    done = db.session.scalar(newer.where(SyncRun.finished_at.is_not(None)))
    return db.session.scalar(newer), done


def last_run_id() -> int:
    """The newest run row's id (0: none): a cycle's runs are the ones after it."""
    db.session.rollback()
    return db.session.scalar(select(func.max(SyncRun.id))) or 0


def run_cycle(label: str, url: str, pids: list[int], expected: int, after_id: int, timeout: float) -> Cycle:
    """Tick once (as a worker's scheduler would), wait for ``expected`` runs after ``after_id``, measure.

    A worker's own minute tick may queue some of the users first: the cycle begins at the earlier of this
    tick and the first run's start.
    """
    clear_sandbox_log(url)
    cpu_before = [cpu_seconds(pid) for pid in pids]
    started = utcnow()
    queued = tick()
    deadline = time.monotonic() + timeout
    while _finished(after_id)[1] < expected and time.monotonic() < deadline:
        time.sleep(0.25)
    cpu = [cpu_seconds(pid) - before for pid, before in zip(pids, cpu_before, strict=True)]
    runs = db.session.scalars(select(SyncRun).where(SyncRun.id > after_id)).all()
    done = [r for r in runs if r.finished_at is not None]
    if len(done) < expected:
        print(f"[{label}] TIMED OUT after {timeout:.0f} s: {len(done)} of {expected} runs finished")
    begin = min([started, *(as_utc(r.started_at) for r in runs)])
    end = max((as_utc(r.finished_at) for r in done), default=utcnow())
    counters = admin(url, "/counters")
    stamps = counters["vk_token_timestamps"].values()
    statuses: dict[str, int] = {}
    failures: dict[str, int] = {}
    for run in done:
        statuses[run.status] = statuses.get(run.status, 0) + 1
        if run.status != "succeeded":
            failures[run.message or "?"] = failures.get(run.message or "?", 0) + 1
    print(f"[{label}] the tick queued {queued}")
    return Cycle(
        label,
        len(done),
        (end - begin).total_seconds(),
        statuses,
        [r.duration_ms / 1000 for r in done if r.duration_ms is not None],
        sum(cpu[:-1]),
        cpu[-1],
        counters["all"].get("vk_requests", 0),
        counters["all"].get("http:evotor", 0),
        max((max_in_window(s) for s in stamps), default=0),
        counters["all"].get("vk_rate_limited", 0),
        failures,
    )


def _database(tmp: str, postgresql: bool):
    if not postgresql:
        return f"sqlite:///{tmp}/bench.sqlite", None
    from tests.pg_cluster import Cluster, find_bindir

    cluster = Cluster(find_bindir()).start()
    return cluster.create_database("bench"), cluster


def cycles(args, url: str, config: dict) -> list[Cycle]:
    """Set the users up, start the workers, run the three cycles."""
    app = create_app(dict(config))
    with app.app_context():
        upgrade()
        started = time.monotonic()
        user_ids = setup_users(url, args.users)
        print(
            f"setup: {len(user_ids)} users with {args.products} products each in {time.monotonic() - started:.0f} s"
        )
        procs = start_workers(config, args.workers, args.threads, args.worker_log)
        pids = [p.pid for p in procs] + [url.pid]
        try:
            done = [run_cycle("first sync", url, pids, len(user_ids), 0, args.timeout)]
            for label, due in (("one user alone", user_ids[:1]), ("steady state", user_ids)):
                after_id = last_run_id()
                make_due(due)
                done.append(run_cycle(label, url, pids, len(due), after_id, args.timeout))
        finally:
            stop_workers(procs)
    return done


def main() -> None:
    """Run the benchmark and print N, W, T, the cycles and the ratio."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--products", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--vk-rps", type=int, default=3)
    parser.add_argument("--postgresql", action="store_true")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds a cycle may take at most")
    parser.add_argument("--worker-log", default=os.devnull, help="file the workers' stderr is appended to")
    args = parser.parse_args()
    with (
        sandbox(products=args.products, vk_rps=args.vk_rps, vk_fleet=max(32, args.users)) as url,
        tempfile.TemporaryDirectory() as tmp,
    ):
        db_url, cluster = _database(tmp, args.postgresql)
        try:
            results = cycles(args, url, bench_config(args, tmp, db_url, url))
        finally:
            if cluster is not None:
                cluster.stop()
    backend = "postgresql" if args.postgresql else "sqlite"
    print(
        f"N={args.users} users × {args.products} products, W={args.workers} workers × T={args.threads} threads, "
        f"{backend}, VK_RPS={args.vk_rps}, {os.cpu_count()} CPUs"
    )
    for cycle in results:
        print(cycle.report())
    alone, steady = results[1], results[2]
    if alone.wall:
        print(
            f"ratio steady-state cycle / one user alone = {steady.wall:.1f} / {alone.wall:.1f} = "
            f"{steady.wall / alone.wall:.2f} (goal ≤ 1.5)"
        )


if __name__ == "__main__":
    main()
