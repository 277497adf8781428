"""A separate process that calls VK with one token as fast as its limiter lets it (the shared-limit tests).

Usage: python -m tests.ratelimit.hammer DATABASE_URL VK_API_URL TOKEN CALLS RPS VK_RATE_SQLITE
Prints the wall time of its calls in seconds.
"""

from __future__ import annotations

import sys
import time

from evosync import create_app
from evosync.vk import VkClient


def main(database_url: str, vk_url: str, token: str, calls: int, rps: int, slots_file: str) -> None:
    app = create_app(
        {
            "ENV": "testing",
            "TESTING": True,
            "SECRET_KEY": "hammer-" + "x" * 40,
            "DATABASE_URL": database_url,
            "TASKS_URL": "memory://",
            "VK_RATE_SQLITE": slots_file,
        }
    )
    with app.app_context():
        client = VkClient(token, vk_url, rps=rps)
        started = time.monotonic()
        for _ in range(calls):
            client.call("users.get")
        print(f"{time.monotonic() - started:.3f}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6])
