"""The table of emulated VK methods and the caller context each handler receives."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

METHODS: dict[str, Callable] = {}


@dataclass(frozen=True)
class Caller:
    """Who is calling (the token's user and scope), the sandbox's public base URL and the open connection."""

    user_id: int
    scope: frozenset[str]
    base_url: str
    conn: sqlite3.Connection


def method(name: str):
    """Register a handler ``fn(caller, params) -> response`` for a VK method name (params already validated)."""

    def register(fn):
        """Add ``fn`` to the method table."""
        METHODS[name] = fn
        return fn

    return register
