"""A small thread-safe LRU map bounded by the total weight of its values (one per value by default).

Used for the catalog snapshots a process keeps (docs/catalog.md) and the sandbox's finished Evotor pages
(weighed by their size in bytes).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class LRU:
    """At most ``capacity`` in total weight; the least recently read entries go first."""

    def __init__(self, capacity: int, weigh: Callable[[Any], int] = lambda _value: 1) -> None:
        self.capacity = capacity
        self._weigh = weigh
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._weight = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        """The value kept under ``key``, or None."""
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Any) -> None:
        """Keep ``value`` under ``key`` (not if it alone outweighs the capacity); drop the least recently
        read entries past the capacity."""
        weight = self._weigh(value)
        if weight > self.capacity:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            self._weight += weight - (self._weigh(old) if old is not None else 0)
            self._entries[key] = value
            while self._weight > self.capacity:
                _, dropped = self._entries.popitem(last=False)
                self._weight -= self._weigh(dropped)
