"""The production start-up check: what an operator gets when a setting would make production unsafe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from evosync import create_app
from evosync.config import ConfigError
from tests.conftest import TEST_TOKEN_KEYS
from tests.factories import production_overrides

FLASK = Path(sys.executable).with_name("flask")


def test_a_complete_production_config_starts(app_config):
    app = create_app({**app_config, **production_overrides()})
    assert app.config["ENV"] == "production"


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"TOKEN_KEYS": TEST_TOKEN_KEYS}, "test key published"),
        ({"TOKEN_KEYS": f"{Fernet.generate_key().decode()},{TEST_TOKEN_KEYS}"}, "test key published"),
        ({"TOKEN_KEYS": "not-a-fernet-key"}, "not a Fernet key"),
        ({"TOKEN_KEYS": f"{Fernet.generate_key().decode()},abc"}, "not a Fernet key"),
        ({"RATELIMIT_STORAGE_URI": "memory://"}, "RATELIMIT_STORAGE_URI is memory://"),
        ({"SESSION_COOKIE_SECURE": False}, "SESSION_COOKIE_SECURE is false"),
        ({"PUBLIC_URL": None}, "PUBLIC_URL is missing"),
        ({"PUBLIC_URL": "http://evosync.example.ru"}, "not https"),
    ],
)
def test_production_refuses_an_unsafe_setting(app_config, overrides, complaint):
    with pytest.raises(ConfigError, match=complaint):
        create_app({**app_config, **production_overrides(**overrides)})


def _flask(tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("EVOSYNC_", "FLASK_"))}
    env.update(EVOSYNC_ENV="production", EVOSYNC_DATABASE_URL=f"sqlite:///{tmp_path}/prod.sqlite")
    return subprocess.run(
        [str(FLASK), "--app", "evosync", *args], env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow
def test_flask_run_refuses_production_without_secrets_but_db_upgrade_works(tmp_path):
    served = _flask(tmp_path, "run", "--host", "127.0.0.1", "--port", "1")
    assert served.returncode != 0
    assert "Refusing to start in production" in served.stderr
    assert "SECRET_KEY" in served.stderr and "PUBLIC_URL" in served.stderr
    upgraded = _flask(tmp_path, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
