"""Resetting the sandbox to its fresh demo state."""

from __future__ import annotations

import sqlite3
import uuid

from . import tokens
from .state import RESET_TABLES, get_meta, set_meta, transaction


def demo_evotor_token(seed: int) -> str:
    """Return the demo Evotor cloud token for a seed (stable, so a restarted demo keeps working)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"evosync-sandbox/evotor/{seed}"))


def reset(conn: sqlite3.Connection, products: int, seed: int, vk_rps: int = 3) -> dict:
    """Wipe all sandbox state and recreate the demo catalog settings and credentials."""
    with transaction(conn):
        for table in RESET_TABLES:
            conn.execute(f"DELETE FROM {table}")  # noqa: S608 - table names are constants above
        conn.execute("DELETE FROM sqlite_sequence")
        set_meta(conn, "products", int(products))
        set_meta(conn, "seed", int(seed))
        set_meta(conn, "vk_rps", int(vk_rps))
        token = tokens.mint_evotor(conn, token=demo_evotor_token(seed))
        set_meta(conn, "demo_evotor_token", token)
        set_meta(conn, "market_off", [])
    return info(conn)


def info(conn: sqlite3.Connection) -> dict:
    """Return the catalog size, seed and demo credentials of the current state."""
    return {
        "products": get_meta(conn, "products"),
        "seed": get_meta(conn, "seed"),
        "vk_rps": get_meta(conn, "vk_rps"),
        "evotor_token": get_meta(conn, "demo_evotor_token"),
    }
