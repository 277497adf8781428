"""Finished Evotor product pages kept in memory, so a repeated GET is answered without regenerating it.

A page is a pure function of its key (seed, store, catalog size, start, ``since``, quantity scope and the
store's stored changes as read from the state), so a cached body is exactly what generating it would
give; any change to the catalog changes the key. The least recently used pages go past ``MAX_BYTES``.
"""

from __future__ import annotations

from evosync.lru import LRU

MAX_BYTES = 96 * 2**20

# A thread-safe LRU of response bodies, bounded by their total size.
PRODUCT_PAGES = LRU(MAX_BYTES, weigh=len)
