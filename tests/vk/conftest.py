"""Fixtures for VK client tests against the sandbox (the ``sandbox`` fixture comes from its plugin)."""

from __future__ import annotations

import pytest

from evosync.vk import VkClient

SHOP_GROUP_ID = 218000001  # the sandbox's demo community with Market on
MARKET_OFF_GROUP_ID = 218000002


@pytest.fixture
def sleeps() -> list[float]:
    """Every backoff the client asked for, instead of sleeping it."""
    return []


@pytest.fixture
def vk_token(sandbox) -> str:
    """A fresh VK user access token (market, photos, groups, offline)."""
    return sandbox.mint_vk_tokens()["access_token"]


@pytest.fixture
def vk_url(sandbox) -> str:
    """The sandbox's VK API base URL."""
    return sandbox.config()["VK_API_URL"]


@pytest.fixture
def vk(vk_token, vk_url, sleeps) -> VkClient:
    """A client on the sandbox whose backoff sleeps are recorded, not slept (the rate limiter is real)."""
    return VkClient(vk_token, vk_url, sleep=sleeps.append, timeout=(2, 10))
