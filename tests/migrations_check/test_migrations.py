"""Migrations: one head; `flask db upgrade` on an empty database, then `flask db check`, on both backends."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

ROOT = Path(__file__).resolve().parents[2]


def test_migrations_have_a_single_head():
    config = Config(str(ROOT / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, heads


@pytest.fixture
def empty_database_url(backend, tmp_path, pg_cluster):
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite'}"
    if pg_cluster is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL server binaries are missing under CI")
        pytest.skip("PostgreSQL server binaries not found")
    return pg_cluster.create_database("evosync_migrations")


def _flask(*args: str, url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "EVOSYNC_DATABASE_URL": url}
    flask = str(Path(sys.executable).parent / "flask")
    return subprocess.run(
        [flask, "--app", "evosync", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_upgrade_on_empty_database_then_check_is_clean(empty_database_url):
    upgrade = _flask("db", "upgrade", url=empty_database_url)
    assert upgrade.returncode == 0, upgrade.stderr
    check = _flask("db", "check", url=empty_database_url)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No new upgrade operations detected" in check.stdout + check.stderr
