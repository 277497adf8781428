"""Benchmark: one VK token shared by several processes through the database limiter, measured by the sandbox.

Run: ``.venv/bin/python bench/shared_limit.py [--processes 4] [--calls 15] [--rps 3] [--postgresql]``.
Each process (``tests/ratelimit/hammer.py``) calls ``users.get`` flat out with the same token; the sandbox
records every arrival. Prints the busiest 1-second window (must be ≤ rps), the achieved rate and its share
of ``rps``, and the sandbox's rate-limit refusals (must be 0).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evotor_fetch import admin, sandbox
from flask_migrate import upgrade
from vk_limiter import max_in_window

from evosync import create_app
from evosync.vk.ratelimit import token_key

ROOT = Path(__file__).resolve().parent.parent


def _database(tmp: str, postgresql: bool):
    if not postgresql:
        return f"sqlite:///{tmp}/bench.sqlite", None
    from tests.pg_cluster import Cluster, find_bindir

    cluster = Cluster(find_bindir()).start()
    return cluster.create_database("bench"), cluster


def main() -> None:
    """Start the processes, wait for them, read the sandbox's arrival times."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--calls", type=int, default=15)
    parser.add_argument("--rps", type=int, default=3)
    parser.add_argument("--postgresql", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, sandbox(vk_rps=args.rps) as url:
        db_url, cluster = _database(tmp, args.postgresql)
        try:
            app = create_app({"ENV": "testing", "DATABASE_URL": db_url, "TASKS_URL": "memory://"})
            with app.app_context():
                upgrade()
            token = admin(url, "/tokens/vk", {})["access_token"]
            cmd = [sys.executable, "-m", "tests.ratelimit.hammer", db_url, f"{url}/vk/method", token]
            cmd += [str(args.calls), str(args.rps)]
            started = time.monotonic()
            procs = [subprocess.Popen(cmd, cwd=ROOT) for _ in range(args.processes)]
            codes = [p.wait() for p in procs]
            elapsed = time.monotonic() - started
        finally:
            if cluster is not None:
                cluster.stop()
        counters = admin(url, "/counters")
    stamps = sorted(counters["vk_token_timestamps"][token_key(token)[:16]])
    span = stamps[-1] - stamps[0]
    rate = (len(stamps) - 1) / span if span else 0.0
    print(
        f"database: {'postgresql' if args.postgresql else 'sqlite'}; processes: {args.processes}; exit codes {codes}"
    )
    print(f"requests: {len(stamps)} in {span:.2f} s at VK (wall {elapsed:.1f} s with process start-up)")
    print(f"busiest 1-second window: {max_in_window(stamps)} (limit {args.rps})")
    print(f"achieved rate: {rate:.2f} req/s = {rate / args.rps:.0%} of VK_RPS")
    print(f"sandbox rate-limit refusals: {counters['all'].get('vk_rate_limited', 0)}")


if __name__ == "__main__":
    main()
