"""The per-token VK limit holds across processes: several processes hammer one token at the sandbox."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

from sqlalchemy import func, select

from evosync.ratelimit.models import VkRateSlot
from evosync.ratelimit.service import slots_engine
from evosync.vk import VkClient
from evosync.vk.ratelimit import token_key
from tests.vk.test_ratelimit_unit import max_in_window

RPS = 3
PROCESSES = 4
CALLS = 6
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _hammer(app, token: str, vk_url: str) -> list[subprocess.Popen]:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    slots_file = app.config["VK_RATE_SQLITE"]
    cmd = [
        sys.executable,
        "-m",
        "tests.ratelimit.hammer",
        url,
        vk_url,
        token,
        str(CALLS),
        str(RPS),
        slots_file,
    ]
    return [
        subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(PROCESSES)
    ]


def test_processes_sharing_a_token_never_exceed_vk_rps_at_the_sandbox(app, db, sandbox):
    sandbox.reset(vk_rps=RPS)
    token = sandbox.mint_vk_tokens()["access_token"]
    vk_url = sandbox.config()["VK_API_URL"]
    procs = _hammer(app, token, vk_url)
    # …while this process (a web request, say) uses the same token from two threads.
    client = VkClient(token, vk_url, rps=RPS)

    def local_calls() -> None:
        with app.app_context():
            for _ in range(3):
                client.call("users.get")

    threads = [threading.Thread(target=local_calls) for _ in range(2)]
    for t in threads:
        t.start()
    outputs = [p.communicate(timeout=120) for p in procs]
    for t in threads:
        t.join()
    assert [p.returncode for p in procs] == [0] * PROCESSES, [err[-2000:] for _, err in outputs]
    counters = sandbox.counters()
    stamps = counters["vk_token_timestamps"][sandbox.token_key(token)]
    assert len(stamps) == PROCESSES * CALLS + 6
    assert max_in_window(stamps, 1.0) <= RPS
    assert counters["all"].get("vk_rate_limited", 0) == 0
    with slots_engine().connect() as conn:  # the app database on PostgreSQL, the limiter's own file on SQLite
        slots = conn.scalar(
            select(func.count()).select_from(VkRateSlot).where(VkRateSlot.token_hash == token_key(token))
        )
    assert slots == RPS  # the rows hold the token's hash, never the token


def test_without_an_app_the_client_falls_back_to_the_process_limiter(sandbox):
    token = sandbox.mint_vk_tokens()["access_token"]
    client = VkClient(token, sandbox.config()["VK_API_URL"], rps=RPS)
    assert type(client.limiter).__name__ == "SlidingWindowLimiter"
