"""Helpers for running `flask sync run` as a real subprocess against the test database and the sandbox."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def cli_env(app_config: dict) -> dict[str, str]:
    """Environment for a `flask` subprocess that sees the same database and sandbox as the test app."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVOSYNC_")}
    for key in (
        "DATABASE_URL",
        "TOKEN_KEYS",
        "SECRET_KEY",
        "VK_RPS",
        "VK_RETRY_BASE",
        "SYNC_LEASE_SECONDS",
        # The frozen-worker tests rely on the server ending a session left idle in a transaction.
        "DB_IDLE_TRANSACTION_SECONDS",
        "SYNC_CATALOG_MAX_AGE",
        "SYNC_INTERVAL_MINUTES",
        "TASKS_URL",
        "VK_RATE_SQLITE",
    ):
        if key in app_config:
            env[f"EVOSYNC_{key}"] = str(app_config[key])
    for key, value in app_config.items():
        if (key.endswith("_URL") and key.startswith(("VK_", "EVOTOR_"))) or key.endswith(
            ("_CLIENT_ID", "_SECRET")
        ):
            env[f"EVOSYNC_{key}"] = value if isinstance(value, str) else json.dumps(value)
    env["EVOSYNC_ENV"] = "testing"
    return env


def flask_cmd(*args: str) -> list[str]:
    """argv of `flask --app evosync …` with this interpreter."""
    return [sys.executable, "-m", "flask", "--app", "evosync", *args]


def start_sync(app_config: dict, *args: str) -> subprocess.Popen:
    """Start `flask sync run …` in the background (text output)."""
    return subprocess.Popen(
        flask_cmd("sync", "run", *args),
        env=cli_env(app_config),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def start_worker(app_config: dict, threads: int = 2, schedule: bool = True, **extra) -> subprocess.Popen:
    """Start `flask worker --threads N` on the test database, queue and sandbox (stderr captured)."""
    env = cli_env({**app_config, **extra})
    flags = () if schedule else ("--no-schedule",)
    return subprocess.Popen(
        flask_cmd("worker", "--threads", str(threads), *flags),
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
