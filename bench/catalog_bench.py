"""Catalog benchmark (docs/reliability.md): 100,000 sandbox products — refresh, products page, toggle, decisions, CSV.

Starts the sandbox on a loopback port in a subprocess, builds the app on SQLite (default) or a throwaway
PostgreSQL cluster (``--db postgresql``), refreshes the catalog, then times requests through the Flask test
client (in-process, so the numbers are server time) and prints p50/p95 and memory.

    .venv/bin/python bench/catalog_bench.py [--db sqlite|postgresql] [--products 100000] [--repeat 30]
"""

from __future__ import annotations

import argparse
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evosync import create_app  # noqa: E402
from evosync.sandbox.urls import provider_urls  # noqa: E402

TOKEN_KEYS = "Lm4Wc7N8kq4cAqJ8X0m0q9mJw3rR2cCFe3yU8m0n8aA="


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_sandbox(tmp: Path, products: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "evosync.sandbox", "serve", "--port", str(port),
         "--state", str(tmp / "sandbox.sqlite3"), "--products", str(products)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(200):
        try:
            requests.get(f"{url}/_admin/info", timeout=1).raise_for_status()
            return proc, url
        except requests.RequestException:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("sandbox did not start")


def database_url(kind: str, tmp: Path):
    if kind == "sqlite":
        return f"sqlite:///{tmp / 'bench.sqlite'}", None
    from tests.pg_cluster import Cluster, find_bindir

    bindir = find_bindir()
    if bindir is None:
        raise SystemExit("no PostgreSQL server binaries")
    cluster = Cluster(bindir).start()
    return cluster.create_database("bench"), cluster


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def report(label: str, samples: list[float]) -> None:
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    print(f"{label:<44} p50 {statistics.median(samples):8.1f} ms   p95 {p95:8.1f} ms   (n={len(samples)})")


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="evosync-bench-"))
    sandbox, sandbox_url = start_sandbox(tmp, args.products)
    url, cluster = database_url(args.db, tmp)
    try:
        run(args, url, sandbox_url, tmp)
    finally:
        sandbox.terminate()
        sandbox.wait(10)
        if cluster is not None:
            cluster.stop()


def run(args, url: str, sandbox_url: str, tmp: Path) -> None:
    from flask_migrate import upgrade

    from evosync.auth.service import create_user
    from evosync.catalog import queries
    from evosync.catalog.decisions import evaluate_catalog
    from evosync.catalog.service import REFRESH_KIND, refresh_job
    from evosync.connections.service import save_tokens
    from evosync.extensions import db
    from evosync.jobs.service import run_job

    config = {
        "ENV": "testing", "DATABASE_URL": url, "SECRET_KEY": "bench-" + "x" * 40, "TOKEN_KEYS": TOKEN_KEYS,
        "WTF_CSRF_ENABLED": False, "SESSION_COOKIE_SECURE": False, **provider_urls(sandbox_url),
    }  # fmt: skip
    app = create_app(config)
    token = requests.post(f"{sandbox_url}/_admin/tokens/evotor", json={}, timeout=10).json()["token"]
    with app.app_context():
        upgrade()
        user = create_user("bench@example.ru", "bench pass phrase")
        db.session.commit()
        save_tokens(user.id, "evotor", token, auth_method="token")
        db.session.commit()
        uid = user.id
        print(f"database: {args.db}; sandbox: {sandbox_url}; products: {args.products}")
        for attempt in ("first", "second (all rows exist)"):
            start = time.perf_counter()
            job = run_job(REFRESH_KIND, uid, refresh_job(uid))
            print(
                f"refresh, {attempt:<33} {time.perf_counter() - start:8.1f} s   ({job.status}: {job.message})"
            )
        store = queries.stores(uid)[0].evotor_id
        group = next(g for g in queries.groups(uid) if g.product_count > 0)
        samples = timed(lambda: evaluate_catalog(uid), 5)
        report("decisions for every product (evaluate)", samples)

    client = app.test_client()
    client.post("/login", data={"email": "bench@example.ru", "password": "bench pass phrase"})

    def get(path, **params):
        response = client.get(path, query_string=params)
        assert response.status_code == 200, (path, response.status_code)
        return response

    report("GET /catalog", timed(lambda: get("/catalog"), args.repeat))
    report("GET /catalog/products (page 1)", timed(lambda: get("/catalog/products"), args.repeat))
    report("GET /catalog/products?page=1000", timed(lambda: get("/catalog/products", page=1000), args.repeat))
    report("GET /catalog/products?store=…&sort=-price", timed(lambda: get("/catalog/products", store=store, sort="-price"), args.repeat))  # fmt: skip
    report(
        "GET /catalog/products?q=… (search)", timed(lambda: get("/catalog/products", q="чай"), args.repeat)
    )
    modes = iter(["include", "clear"] * args.repeat)

    def toggle():
        data = {"entity_type": "group", "entity_id": group.evotor_id, "mode": next(modes)}
        assert client.post("/catalog/filters", data=data).status_code == 200

    report("POST /catalog/filters (group include/clear)", timed(toggle, args.repeat))
    client.post(
        "/catalog/filters", data={"entity_type": "group", "entity_id": group.evotor_id, "mode": "exclude"}
    )
    report(
        "GET /catalog/products?status=synced",
        timed(lambda: get("/catalog/products", status="synced"), args.repeat),
    )
    report("GET /catalog/stores/<id>", timed(lambda: get(f"/catalog/stores/{store}"), args.repeat))

    start = time.perf_counter()
    rows = (
        sum(
            chunk.count("\r\n")
            for chunk in client.get("/catalog/export.csv").response
            if isinstance(chunk, str)
        )
        or None
    )
    print(f"CSV export, time only: {time.perf_counter() - start:.2f} s")
    before = rss_mb()
    tracemalloc.start()
    start = time.perf_counter()
    response = client.get("/catalog/export.csv")
    size = rows = 0
    for chunk in response.response:
        size += len(chunk)
        rows += chunk.count(b"\r\n") if isinstance(chunk, bytes) else chunk.count("\r\n")
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"CSV export under tracemalloc: {elapsed:.2f} s, {rows - 1} products, {size / 1e6:.1f} MB; "
        f"Python peak during export {peak / 1e6:.1f} MB; RSS {before:.0f} → {rss_mb():.0f} MB"
    )


if __name__ == "__main__":
    main()
