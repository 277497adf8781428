"""The limiter's window math, with real threads and a short window so the test stays fast."""

from __future__ import annotations

import random
import threading
import time

from evosync.vk.ratelimit import SlidingWindowLimiter, limiter_for_token, token_key


def max_in_window(stamps: list[float], window: float) -> int:
    """Largest number of timestamps inside any half-open window of the given length."""
    stamps = sorted(stamps)
    best, lo = 0, 0
    for hi, t in enumerate(stamps):
        while stamps[lo] <= t - window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def test_wait_time_math_with_a_fake_clock():
    now = [100.0]
    lim = SlidingWindowLimiter(2, window=1.0, clock=lambda: now[0])
    lim.acquire()
    lim.acquire()
    assert lim.wait_time() is None  # both in flight: only a response can free a slot
    now[0] = 100.2
    lim.release()
    assert lim.wait_time() == 1.0  # the slot frees a full window after the response
    now[0] = 101.25
    assert lim.wait_time() == 0.0


def test_threads_never_exceed_rps_in_any_window_as_the_server_would_see_it():
    window, rps = 0.25, 3
    lim = SlidingWindowLimiter(rps, window=window)
    seen: list[float] = []  # "server" arrival times: somewhere between acquire and release
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(6):
            with lim.slot():
                time.sleep(random.uniform(0, 0.01))
                with lock:
                    seen.append(time.monotonic())
                time.sleep(random.uniform(0, 0.01))

    threads = [threading.Thread(target=worker) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 30
    assert max_in_window(seen, window) <= rps
    # …and the limiter is not needlessly slow: 30 requests at 3 per 0.25 s take about 2.5 s.
    assert max(seen) - min(seen) < 30 / rps * window * 1.6


def test_registry_shares_one_limiter_per_token_keyed_by_hash():
    a = limiter_for_token("token-A-unit", 3)
    assert limiter_for_token("token-A-unit", 3) is a
    assert limiter_for_token("token-B-unit", 3) is not a
    from evosync.vk import ratelimit

    assert "token-A-unit" not in ratelimit._registry
    assert token_key("token-A-unit") in ratelimit._registry
