"""The per-token limiter under several threads, measured by the sandbox's own per-token timestamps."""

from __future__ import annotations

import threading

from evosync.vk import VkClient
from tests.vk.test_ratelimit_unit import max_in_window


def test_threads_sharing_a_token_never_exceed_vk_rps(sandbox, vk_token, vk_url):
    rps = 3
    clients = [VkClient(vk_token, vk_url, rps=rps) for _ in range(4)]  # same token → one shared limiter
    assert len({id(c.limiter) for c in clients}) == 1
    errors: list[Exception] = []

    def worker(client: VkClient) -> None:
        try:
            for _ in range(4):
                client.call("users.get")
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    counters = sandbox.counters()
    stamps = counters["vk_token_timestamps"][sandbox.token_key(vk_token)]
    assert len(stamps) == 16
    assert max_in_window(stamps, 1.0) <= rps
    assert counters["all"].get("vk_rate_limited", 0) == 0
