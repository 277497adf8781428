"""evosync.lru: the bounded LRU behind the kept catalog snapshots and the sandbox's page cache."""

from __future__ import annotations

from evosync.lru import LRU


def test_the_least_recently_read_entry_goes_first():
    lru = LRU(2)
    lru.put("a", 1)
    lru.put("b", 2)
    assert lru.get("a") == 1  # «a» is now the most recent
    lru.put("c", 3)
    assert (lru.get("a"), lru.get("b"), lru.get("c")) == (1, None, 3)


def test_weights_bound_the_total_and_an_oversized_value_is_not_kept():
    lru = LRU(10, weigh=len)
    lru.put("a", b"12345")
    lru.put("b", b"1234")
    lru.put("a", b"123")  # replacing a value re-weighs it
    lru.put("c", b"123")
    assert (lru.get("a"), lru.get("b"), lru.get("c")) == (b"123", b"1234", b"123")
    lru.put("d", b"1234")
    assert lru.get("b") is None and lru.get("d") == b"1234"
    lru.put("huge", b"x" * 11)
    assert lru.get("huge") is None and lru.get("d") == b"1234"
