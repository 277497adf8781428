"""Load test (reliability target F5): gunicorn + PostgreSQL on loopback, concurrent logged-in sessions.

    .venv/bin/python bench/load_test.py [--seconds 120] [--sessions 50] [--users N] [--products 5000]
                                        [--max-requests 200000] [--workers 4] [--threads 4]

Run from the repository root; everything is throwaway and on 127.0.0.1. It starts a temporary PostgreSQL
cluster and the sandbox (``--products`` products), runs ``flask db upgrade``, creates ``--users`` accounts
(default: one per session), each with its own sandbox-minted Evotor token and refreshed catalog, and serves the
app with gunicorn. Then ``--sessions`` threads, one ``requests.Session`` each, log in through the real form
and loop over a weighted mix (MIX): page views (/connections, /catalog, /sync, a store's groups), product
searches (random words, pages, stores, groups, statuses, sorts) and HTMX toggles (POST /catalog/filters
include/exclude/clear on the user's stores, groups and products) until ``--seconds`` or ``--max-requests``.

Printed per request kind and overall: count, responses >= 500, connection errors, other unexpected statuses
(e.g. a lost session's redirect), p50/p95/p99/max client-side latency in ms (the client shares the cores with
the server) and requests/s. Exit 1 on any response >= 500 (URLs, bodies and gunicorn's tracebacks are
printed) or connection error. Processes and files are cleaned up on exit, Ctrl-C and failure included.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BIN = ROOT / ".venv" / "bin"
PASSWORD = "load test pass phrase"
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CSRF_HEADER = re.compile(r'"X-CSRFToken":\s*"([^"]+)"')
MIX = {"connections": 10, "catalog": 10, "sync": 10, "store": 10, "products": 35, "toggle": 25}
KINDS = ["login", *MIX]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited with status {proc.returncode}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=1).ok:
                return
        time.sleep(0.2)
    raise SystemExit(f"{what} did not answer {url} within {timeout:.0f} s")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def spawn(stack: contextlib.ExitStack, args: list[str], env: dict, log: Path) -> subprocess.Popen:
    """Start a child in its own session (Ctrl-C reaches only us, we stop it in order); stopped on exit."""
    with log.open("wb") as out:
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True)
    stack.callback(stop, proc)
    return proc


def app_env(db_url: str, sandbox_url: str) -> dict:
    from cryptography.fernet import Fernet

    return {
        **os.environ,
        "EVOSYNC_ENV": "production",
        "EVOSYNC_SECRET_KEY": secrets.token_urlsafe(48),
        "EVOSYNC_TOKEN_KEYS": Fernet.generate_key().decode(),
        "EVOSYNC_DATABASE_URL": db_url,
        "EVOSYNC_SESSION_COOKIE_SECURE": "false",  # plain HTTP on loopback
        "EVOSYNC_SANDBOX": "true",
        "EVOSYNC_SANDBOX_URL": sandbox_url,
        # Load-test setting only: every session logs in from 127.0.0.1, more than the production limit allows.
        "EVOSYNC_LOGIN_LIMIT_PER_CLIENT": "10000 per 15 minutes",
    }


def prepare_users(env: dict, sandbox_url: str, count: int) -> list[dict]:
    """Create ``count`` users in-process, connect each one's own Evotor token, refresh each catalog.

    Returns per user: email and the Evotor ids of its stores, groups and a sample of products, plus words
    from product names to search for.
    """
    os.environ.update(env)
    from sqlalchemy import func, select

    from evosync import create_app
    from evosync.auth.service import create_user
    from evosync.catalog.models import CatalogGroup, CatalogProduct, CatalogStore
    from evosync.catalog.service import REFRESH_KIND, refresh_job
    from evosync.connections.service import connect_evotor_token
    from evosync.extensions import db
    from evosync.jobs.service import run_job

    users = []
    with create_app().app_context(), requests.Session() as admin:
        for n in range(1, count + 1):
            started = time.perf_counter()
            user = create_user(f"load{n:03d}@example.ru", PASSWORD)
            db.session.commit()
            token = admin.post(f"{sandbox_url}/_admin/tokens/evotor", json={}, timeout=30).json()["token"]
            connect_evotor_token(user.id, token)
            db.session.commit()
            job = run_job(REFRESH_KIND, user.id, refresh_job(user.id))
            if job.status != "succeeded":
                raise SystemExit(f"refresh of {user.email} failed: {job.message}")

            def ids(model, limit=None, uid=user.id):
                query = select(model.evotor_id).where(model.user_id == uid)
                return list(db.session.scalars(query.order_by(func.random()).limit(limit)))

            entry = {"email": user.email, "stores": ids(CatalogStore), "groups": ids(CatalogGroup)}
            users.append({**entry, "products": ids(CatalogProduct, 300)})
            print(f"  {user.email}: ready in {time.perf_counter() - started:.1f} s", flush=True)
        names = db.session.scalars(select(CatalogProduct.name).order_by(func.random()).limit(200))
        words = sorted({w for name in names for w in re.findall(r"\w{4,}", name)})
        db.session.remove()
    for user in users:
        user["words"] = words or ["товар"]
    return users


class Stats:
    """Thread-safe latency samples and error counts per request kind, plus the request budget."""

    def __init__(self, max_requests: int, deadline: float) -> None:
        self.lock = threading.Lock()
        self.left, self.deadline = max_requests, deadline
        self.stop = threading.Event()
        self.ms: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, dict[str, int]] = defaultdict(lambda: {"5xx": 0, "conn": 0, "other": 0})
        self.failures: dict[str, list[str]] = defaultdict(list)  # the first few of each error class

    def take(self) -> bool:
        with self.lock:
            if self.stop.is_set() or self.left <= 0 or time.monotonic() >= self.deadline:
                return False
            self.left -= 1
            return True

    def record(self, kind: str, ms: float, status: int | None, detail: str = "") -> None:
        with self.lock:
            self.ms[kind].append(ms)
            error = "conn" if status is None else "5xx" if status >= 500 else "other"
            if status != 200:
                self.errors[kind][error] += 1
                if len(self.failures[error]) < 3:
                    self.failures[error].append(f"[{error}] {kind} {status}: {detail}")


def timed_request(stats: Stats, kind: str, http: requests.Session, method: str, url: str, **kw):
    started = time.perf_counter()
    try:
        resp = http.request(method, url, timeout=30, allow_redirects=False, **kw)
    except requests.RequestException as exc:
        stats.record(kind, (time.perf_counter() - started) * 1000, None, f"{method} {url} {kw}: {exc!r}")
        return None
    ms = (time.perf_counter() - started) * 1000
    expected = 302 if kind == "login" else 200
    status = 200 if resp.status_code == expected else resp.status_code
    text = " ".join(re.sub(r"(?s)<head>.*</head>|<[^>]+>", " ", resp.text).split())[:400]
    stats.record(kind, ms, status, f"{method} {resp.url} {kw.get('data', '')}\n    body: {text}")
    return resp


def pick(rng: random.Random, user: dict) -> tuple[str, str, str, dict]:
    """One request of the mix for ``user``: (kind, method, path, requests kwargs)."""
    kind = rng.choices(list(MIX), weights=list(MIX.values()))[0]
    if kind in ("connections", "catalog", "sync"):
        return kind, "GET", f"/{kind}", {}
    if kind == "store":
        return kind, "GET", f"/catalog/stores/{rng.choice(user['stores'])}", {}
    if kind == "products":
        params = {"page": rng.choice([1, 1, 2, 3, rng.randint(1, 120)])}
        if rng.random() < 0.5:
            params["q"] = rng.choice([*user["words"], "нет-такого", rng.choice(user["words"])[:3]])
            params["page"] = rng.choice([1, 1, 2])
        if rng.random() < 0.3:
            params["store"] = rng.choice(user["stores"])
        elif rng.random() < 0.3 and user["groups"]:
            params["group"] = rng.choice(user["groups"])
        params["status"] = rng.choice(["", "", "synced", "excluded"])
        params["sort"] = rng.choice(["name", "-name", "article", "price", "-price", "quantity", "-quantity"])
        return kind, "GET", "/catalog/products", {"params": params}
    entity_type = rng.choices(["store", "group", "product"], weights=[1, 3, 6])[0]
    entity_type = entity_type if user[f"{entity_type}s"] else "store"
    data = {
        "entity_type": entity_type,
        "entity_id": rng.choice(user[f"{entity_type}s"]),
        "mode": rng.choice(["include", "exclude", "clear"]),
    }
    return kind, "POST", "/catalog/filters", {"data": data, "headers": {"HX-Request": "true"}}


def session_worker(base: str, user: dict, stats: Stats, seed: int) -> None:
    """Log in through the form, then send requests of the mix until the budget or the time runs out."""
    rng = random.Random(seed)
    with requests.Session() as http:
        login_page = http.get(f"{base}/login", timeout=30)
        match = CSRF_FIELD.search(login_page.text)
        form = {"email": user["email"], "password": PASSWORD, "csrf_token": match.group(1) if match else ""}
        if timed_request(stats, "login", http, "POST", f"{base}/login", data=form) is None:
            return
        page = http.get(f"{base}/connections", timeout=30)
        match = CSRF_HEADER.search(html.unescape(page.text))
        if match is None:
            stats.record("login", 0, page.status_code if page.status_code != 200 else 401, "no X-CSRFToken")
            return
        http.headers["X-CSRFToken"] = match.group(1)
        while stats.take():
            kind, method, path, kw = pick(rng, user)
            timed_request(stats, kind, http, method, base + path, **kw)


def run_load(
    base: str, users: list[dict], sessions: int, seconds: float, max_requests: int
) -> tuple[Stats, float]:
    stats = Stats(max_requests, time.monotonic() + seconds)
    threads = [
        threading.Thread(target=session_worker, args=(base, users[i % len(users)], stats, i), daemon=True)
        for i in range(sessions)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(0.5)
    finally:
        stats.stop.set()  # on Ctrl-C: the daemon threads stop at their next request
    return stats, time.monotonic() - started


def percentile(samples: list[float], q: float) -> float:
    return samples[min(len(samples) - 1, int(len(samples) * q))] if samples else 0.0


def print_table(stats: Stats, elapsed: float) -> None:
    head = f"{'kind':<12}{'count':>8}{'5xx':>6}{'conn':>6}{'other':>7}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}{'req/s':>9}"
    print(f"\n{head}\n{'-' * len(head)}")
    rows = [(kind, stats.ms.get(kind, []), stats.errors[kind]) for kind in KINDS]
    total = {k: sum(e[k] for _, _, e in rows) for k in ("5xx", "conn", "other")}
    rows.append(("overall", [ms for _, samples, _ in rows for ms in samples], total))
    for kind, samples, err in rows:
        s = sorted(samples)
        print(
            f"{kind:<12}{len(s):>8}{err['5xx']:>6}{err['conn']:>6}{err['other']:>7}"
            + "".join(f"{percentile(s, q):>9.1f}" for q in (0.5, 0.95, 0.99, 1.0))
            + f"{len(s) / elapsed:>9.1f}"
        )
    print(f"(latency in ms; {elapsed:.1f} s of load)")


def print_tracebacks(log: Path, limit: int = 3) -> None:
    lines = log.read_text(errors="replace").splitlines()
    starts = [i for i, line in enumerate(lines) if "Traceback (most recent call last)" in line]
    for i in starts[:limit]:
        end = next((j for j in range(i + 1, len(lines)) if lines[j] and not lines[j][0].isspace()), i)
        print("\n".join(lines[max(0, i - 1) : end + 1]))
    print(f"({len(starts)} tracebacks in the gunicorn log)")


def interrupt(*_) -> None:
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--users", type=int, help="accounts to create (default: one per session)")
    parser.add_argument("--products", type=int, default=5000)
    parser.add_argument("--max-requests", type=int, default=200_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    from tests.pg_cluster import Cluster, find_bindir

    bindir = find_bindir()
    if bindir is None:
        raise SystemExit("no PostgreSQL server binaries (initdb, pg_ctl) found")
    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, interrupt)  # also when started with SIGINT ignored (a background job)
    with contextlib.ExitStack() as stack:
        tmp = Path(tempfile.mkdtemp(prefix="evosync-load-"))
        stack.callback(shutil.rmtree, tmp, ignore_errors=True)
        cluster = Cluster(bindir)
        stack.callback(cluster.stop)
        db_url = cluster.start().create_database("load")
        sandbox_url = f"http://127.0.0.1:{free_port()}"
        sandbox = spawn(
            stack,
            [str(BIN / "python"), "-m", "evosync.sandbox", "serve", "--host", "127.0.0.1",
             "--port", sandbox_url.rsplit(":", 1)[1], "--state", str(tmp / "sandbox.sqlite3"),
             "--products", str(args.products)],
            dict(os.environ), tmp / "sandbox.log",
        )  # fmt: skip
        wait_http(f"{sandbox_url}/_admin/info", sandbox, "sandbox")
        env = app_env(db_url, sandbox_url)
        upgrade = [str(BIN / "flask"), "--app", "evosync", "db", "upgrade"]
        done = subprocess.run(upgrade, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        if done.returncode:
            raise SystemExit(f"flask db upgrade failed:\n{done.stdout}{done.stderr}")
        users_count = args.users or args.sessions
        print(f"PostgreSQL {bindir.parent.name}; sandbox {sandbox_url}; {users_count} users …", flush=True)
        started = time.perf_counter()
        users = prepare_users(env, sandbox_url, users_count)
        print(f"setup of users: {time.perf_counter() - started:.1f} s")
        base = f"http://127.0.0.1:{free_port()}"
        log = tmp / "gunicorn.log"
        gunicorn = spawn(
            stack,
            [str(BIN / "gunicorn"), "-w", str(args.workers), "--threads", str(args.threads),
             "-b", base.removeprefix("http://"), "wsgi:app"],
            env, log,
        )  # fmt: skip
        wait_http(f"{base}/healthz", gunicorn, "gunicorn")
        print(
            f"gunicorn -w {args.workers} --threads {args.threads} on {base}; {args.sessions} sessions for "
            f"{args.seconds:.0f} s (at most {args.max_requests} requests) …",
            flush=True,
        )
        stats, elapsed = run_load(base, users, args.sessions, args.seconds, args.max_requests)
        print_table(stats, elapsed)
        server_errors = sum(e["5xx"] for e in stats.errors.values())
        failed = server_errors + sum(e["conn"] for e in stats.errors.values())
        for failure in (line for lines in stats.failures.values() for line in lines):
            print(f"\n{failure}")
        if server_errors:
            print_tracebacks(log)
        print("\nRESULT:", "FAIL" if failed else "OK", f"({server_errors} responses >= 500)")
        return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted; everything stopped and removed", file=sys.stderr)
        sys.exit(130)
