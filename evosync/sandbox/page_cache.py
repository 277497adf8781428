"""Finished Evotor product pages kept in memory, so a repeated GET is answered without regenerating it.

A page is a pure function of its key (seed, store, catalog size, start, ``since``, quantity scope and the
store's stored changes as read from the state), so a cached body is exactly what generating it would
give; any change to the catalog changes the key. The least recently used pages go past ``MAX_BYTES``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

MAX_BYTES = 96 * 2**20


class PageCache:
    """A thread-safe LRU of response bodies, bounded by their total size."""

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._bodies: OrderedDict[Hashable, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> bytes | None:
        """The cached body for ``key``, or None."""
        with self._lock:
            body = self._bodies.get(key)
            if body is not None:
                self._bodies.move_to_end(key)
            return body

    def put(self, key: Hashable, body: bytes) -> None:
        """Remember ``body``; drop the least recently used bodies past the size bound."""
        if len(body) > self.max_bytes:
            return
        with self._lock:
            old = self._bodies.pop(key, None)
            self._size += len(body) - (len(old) if old is not None else 0)
            self._bodies[key] = body
            while self._size > self.max_bytes:
                _, dropped = self._bodies.popitem(last=False)
                self._size -= len(dropped)


PRODUCT_PAGES = PageCache()
