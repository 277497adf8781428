"""Rate compliance (D3): a whole sync never sends more than VK_RPS requests in any 1-second window."""

from __future__ import annotations

import pytest

RPS = 4


@pytest.fixture
def app_config(app_config, sandbox):
    """Strict limit on both sides: the app's limiter and the sandbox's (which answers 6 on excess)."""
    sandbox.reset(products=300, vk_rps=RPS)  # enough batches for ≥ 20 requests
    return {**app_config, "VK_RPS": RPS}


def _max_in_window(stamps: list[float], window: float = 1.0) -> int:
    stamps = sorted(stamps)
    best, start = 0, 0
    for end, t in enumerate(stamps):
        while t - stamps[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


@pytest.mark.slow
def test_sync_stays_within_vk_rps(shop, sandbox, sync):
    sandbox.clear_log()
    outcome = sync(shop.id)
    assert outcome.status == "succeeded", outcome.line
    counters = sandbox.counters()
    per_token = counters["vk_token_timestamps"]
    assert sum(len(v) for v in per_token.values()) >= 20
    assert max(_max_in_window(v) for v in per_token.values()) <= RPS
    assert counters["all"].get("vk_rate_limited", 0) == 0
