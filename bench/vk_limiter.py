"""Benchmark: the VK rate limiter's achieved request rate against VK_RPS, measured by the sandbox.

Run: ``.venv/bin/python bench/vk_limiter.py [--rps 3] [--threads 6] [--seconds 10]``. Several threads share one
token (hence one limiter) and call ``users.get`` flat out; the sandbox records each request's arrival time.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evotor_fetch import admin, sandbox

from evosync.vk import VkClient, VkError
from evosync.vk.ratelimit import token_key


def max_in_window(stamps: list[float], window: float = 1.0) -> int:
    """Largest number of timestamps inside any window of ``window`` seconds."""
    stamps, best, lo = sorted(stamps), 0, 0
    for hi, t in enumerate(stamps):
        while stamps[lo] <= t - window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def main() -> None:
    """Hammer users.get from several threads for a while and compare the rate with VK_RPS."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rps", type=int, default=3)
    parser.add_argument("--threads", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    with sandbox(vk_rps=args.rps) as url:
        token = admin(url, "/tokens/vk", {})["access_token"]
        stop = time.monotonic() + args.seconds
        errors: list[VkError] = []

        def worker() -> None:
            client = VkClient(token, f"{url}/vk/method", rps=args.rps, max_retries=0)
            while time.monotonic() < stop:
                try:
                    client.call("users.get")
                except VkError as exc:
                    errors.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(args.threads)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        counters = admin(url, "/counters")
    # The sandbox keys its per-token timestamps by the first 16 hex digits of the token's SHA-256.
    stamps = counters["vk_token_timestamps"].get(token_key(token)[:16], [])
    # Steady-state rate: the first burst of VK_RPS is free (an empty window), so it is left out of the count
    # over the first-to-last span; a perfect limiter scores exactly VK_RPS.
    span = max(stamps) - min(stamps) if len(stamps) > args.rps else 0.0
    achieved = (len(stamps) - args.rps) / span if span else 0.0
    print(f"VK_RPS: {args.rps}  threads: {args.threads}  requests: {len(stamps)}  in {elapsed:.2f} s")
    print(f"achieved: {achieved:.3f} req/s  ({achieved / args.rps:.1%} of VK_RPS)")
    print(
        f"max requests in any 1-second window: {max_in_window(stamps)}  error 6 answers: "
        f"{sum(1 for e in errors if e.code == 6)}  other errors: {sum(1 for e in errors if e.code != 6)}"
    )


if __name__ == "__main__":
    main()
