"""Fixtures for Evotor client tests against the sandbox (the ``sandbox`` fixture comes from its plugin)."""

from __future__ import annotations

import pytest

from evosync.evotor import EvotorClient


@pytest.fixture
def sleeps() -> list[float]:
    """Every backoff the client asked for, instead of sleeping it."""
    return []


@pytest.fixture
def evotor_token(sandbox) -> str:
    """A fresh Evotor token with the full read scope."""
    return sandbox.mint_evotor_token()


@pytest.fixture
def evotor_url(sandbox) -> str:
    """The sandbox's Evotor API base URL."""
    return sandbox.config()["EVOTOR_API_URL"]


@pytest.fixture
def evotor(evotor_token, evotor_url, sleeps) -> EvotorClient:
    """A client on the sandbox whose backoff sleeps are recorded, not slept."""
    return EvotorClient(evotor_token, evotor_url, sleep=sleeps.append, timeout=(2, 10))
