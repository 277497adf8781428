"""Accounts tests get a real SMTP server on loopback, a queue on a SQLite file and a real consumer thread."""

from __future__ import annotations

import pytest

from tests.mail_capture import QueueConsumer, SmtpServer

PUBLIC_URL = "https://evosync.example"


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def inbox(smtp):
    return smtp.inbox


@pytest.fixture
def app_config(app_config, smtp, tmp_path):
    return {
        **app_config,
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp.port,
        "MAIL_DEFAULT_SENDER": "EvoSync <noreply@evosync.example>",
        "PUBLIC_URL": PUBLIC_URL,
        "TASKS_URL": f"sqlite:///{tmp_path / 'tasks.sqlite'}",
    }


@pytest.fixture(autouse=True)
def consumer(app):
    with QueueConsumer() as running:
        yield running


def path_of(url: str) -> str:
    """The path of a mailed link (the test client talks to the app directly)."""
    assert url.startswith(PUBLIC_URL + "/"), url
    return url[len(PUBLIC_URL) :]
