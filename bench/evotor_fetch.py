"""Benchmark: fetch a 100,000-product Evotor catalog from a sandbox of our own and print products/second.

Run: ``.venv/bin/python bench/evotor_fetch.py [--products N]``. Starts the sandbox as a separate process on a
free loopback port (so the server does not share our GIL), fetches every store's products, stops it.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from evosync.evotor import EvotorClient  # noqa: E402


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def admin(url: str, path: str, body: dict | None = None) -> dict:
    """Call the sandbox's admin JSON API (POST when a body is given)."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        f"{url}/_admin{path}", data=data, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.loads(resp.read())


class SandboxUrl(str):
    """The sandbox's base URL; ``pid`` is its server process (benchmarks read its CPU time)."""

    pid: int


@contextmanager
def sandbox(products: int = 300, vk_rps: int = 3, vk_fleet: int | None = None):
    """Run ``python -m evosync.sandbox serve`` on a free loopback port; yield its base URL (a SandboxUrl).

    ``vk_fleet``: communities of the chain-store VK user (the sandbox's default is 32).
    """
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            sys.executable,
            "-m",
            "evosync.sandbox",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--state",
            str(Path(tmp) / "sandbox.sqlite3"),
            "--products",
            str(products),
            "--vk-rps",
            str(vk_rps),
        ]
        if vk_fleet:
            cmd += ["--vk-fleet", str(vk_fleet)]
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = SandboxUrl(f"http://127.0.0.1:{port}")
        url.pid = proc.pid
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    admin(url, "/info")
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("the sandbox did not start") from None
                    time.sleep(0.2)
            admin(url, "/reset", {"products": products})
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=15)


def main() -> None:
    """Fetch the whole catalog once and print the numbers."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=100_000)
    args = parser.parse_args()
    with sandbox(args.products) as url:
        token = admin(url, "/tokens/evotor", {})["token"]
        client = EvotorClient(token, f"{url}/evotor/api")
        started = time.perf_counter()
        stores = client.stores()
        total = 0
        for store in stores:
            client.product_groups(store.id)
            total += sum(1 for _ in client.iter_products(store.id))
        elapsed = time.perf_counter() - started
    print(f"stores: {len(stores)}  products: {total}  HTTP requests: {client.requests_sent}")
    print(f"elapsed: {elapsed:.2f} s  →  {total / elapsed:,.0f} products/second")


if __name__ == "__main__":
    main()
