"""bin/evosync-cron: an overlapping tick exits at once; a tick runs the steps with timestamps; failures show."""

from __future__ import annotations

import fcntl
import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import TEST_TOKEN_KEYS

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bin" / "evosync-cron"
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ evosync-cron\[\d+\] ")


def run_cron(tmp_path, database_url: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "EVOSYNC_CRON_LOCK": str(tmp_path / "cron.lock"),
        "EVOSYNC_CRON_ENV": str(tmp_path / "none.env"),
        "EVOSYNC_DATABASE_URL": database_url,
        "EVOSYNC_TOKEN_KEYS": TEST_TOKEN_KEYS,
        "EVOSYNC_SECRET_KEY": "cron-test-" + "x" * 40,
    }
    return subprocess.run(
        [str(SCRIPT)], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def test_overlapping_tick_exits_at_once(tmp_path):
    lock = tmp_path / "cron.lock"
    with open(lock, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # a tick in progress
        started = time.monotonic()
        result = run_cron(tmp_path, "sqlite:////nonexistent/never-used.sqlite", timeout=10)
        elapsed = time.monotonic() - started
    assert elapsed < 1.0
    assert result.returncode == 0
    assert "already running" in result.stdout
    assert all(STAMP.match(line) for line in result.stdout.splitlines())
    assert "start:" not in result.stdout


@pytest.mark.slow
def test_a_tick_runs_every_step_with_timestamps(app, tmp_path):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    result = run_cron(tmp_path, url)
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stdout + result.stderr
    assert lines and all(STAMP.match(line) for line in lines), result.stdout
    out = result.stdout
    assert "done: connection health checks" in out
    assert "done: catalog refresh" in out
    assert "done: sync of ready users" in out
    assert out.rstrip().endswith("tick finished: ok")


@pytest.mark.slow
def test_a_failing_step_makes_the_tick_fail(tmp_path):
    result = run_cron(tmp_path, f"sqlite:///{tmp_path}/missing-dir/x/evosync.sqlite")
    assert result.returncode == 1
    assert "FAILED: connection health checks" in result.stdout
    assert "tick finished: some steps failed" in result.stdout
