"""SQLite-backed state shared by every sandbox request, thread and process."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import weakref
from contextlib import contextmanager
from pathlib import Path

# Idle connections a State keeps for the next request.
POOL = 8

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY, kind TEXT NOT NULL, user_id TEXT NOT NULL, client_id TEXT,
    scope TEXT NOT NULL DEFAULT '', family TEXT, device_id TEXT, expires_at REAL,
    used INTEGER NOT NULL DEFAULT 0, revoked INTEGER NOT NULL DEFAULT 0, created_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS ix_tokens_family ON tokens (family);
CREATE TABLE IF NOT EXISTS oauth_codes (
    code TEXT PRIMARY KEY, provider TEXT NOT NULL, client_id TEXT NOT NULL, redirect_uri TEXT NOT NULL,
    user_id TEXT NOT NULL, scope TEXT NOT NULL, state TEXT, code_challenge TEXT, device_id TEXT,
    expires_at REAL NOT NULL, used INTEGER NOT NULL DEFAULT 0, family TEXT);
CREATE TABLE IF NOT EXISTS product_overrides (
    product_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, data TEXT NOT NULL DEFAULT '{}',
    deleted INTEGER NOT NULL DEFAULT 0, added_seq INTEGER);
CREATE TABLE IF NOT EXISTS vk_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT, owner_id INTEGER NOT NULL, data TEXT NOT NULL,
    hidden INTEGER NOT NULL DEFAULT 0, removed_at REAL, created_at REAL NOT NULL, updated_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS ix_vk_items_owner ON vk_items (owner_id);
CREATE TABLE IF NOT EXISTS vk_albums (
    id INTEGER PRIMARY KEY AUTOINCREMENT, owner_id INTEGER NOT NULL, title TEXT NOT NULL,
    is_hidden INTEGER NOT NULL DEFAULT 0, is_main INTEGER NOT NULL DEFAULT 0, photo_id INTEGER,
    updated_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS vk_album_items (
    album_id INTEGER NOT NULL, item_id INTEGER NOT NULL, PRIMARY KEY (album_id, item_id));
CREATE TABLE IF NOT EXISTS vk_uploads (
    id INTEGER PRIMARY KEY AUTOINCREMENT, group_id INTEGER NOT NULL, kind TEXT NOT NULL,
    width INTEGER NOT NULL, height INTEGER NOT NULL, data BLOB NOT NULL, created_at REAL NOT NULL,
    saved INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS vk_photos (
    id INTEGER PRIMARY KEY AUTOINCREMENT, owner_id INTEGER NOT NULL, width INTEGER NOT NULL,
    height INTEGER NOT NULL, data BLOB NOT NULL, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS vk_photo_items (photo_id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS faults (
    id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, spec TEXT NOT NULL,
    remaining INTEGER, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, n INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS request_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT, ts REAL NOT NULL, service TEXT NOT NULL, http_method TEXT NOT NULL,
    path TEXT NOT NULL, method TEXT, params TEXT NOT NULL, token_in_query INTEGER NOT NULL,
    auth TEXT NOT NULL, token_key TEXT, status INTEGER);
CREATE INDEX IF NOT EXISTS ix_request_log_token ON request_log (token_key);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT, ts REAL NOT NULL, sender TEXT NOT NULL, recipients TEXT NOT NULL,
    subject TEXT NOT NULL, text TEXT NOT NULL, html TEXT NOT NULL);
"""

# Tables emptied by a reset; `meta` is rewritten rather than dropped so the file keeps its settings.
RESET_TABLES = (
    "tokens",
    "oauth_codes",
    "product_overrides",
    "vk_items",
    "vk_albums",
    "vk_album_items",
    "vk_uploads",
    "vk_photos",
    "vk_photo_items",
    "faults",
    "counters",
    "request_log",
    "outbox",
    "meta",
)


class State:
    """Opens short-lived SQLite connections on the sandbox state file (one per request or job)."""

    def __init__(self, path: str | Path):
        """Create the state file and its tables if they do not exist yet."""
        self.path = str(path)
        self._idle: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        weakref.finalize(self, _close_all, self._idle, self._lock)
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        with self.connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(SCHEMA)

    @contextmanager
    def connect(self):
        """Yield an autocommit connection: an idle one kept from an earlier request, else a new one.

        Opening and closing a WAL connection per request cost more than a cached product page takes to
        serve, so up to ``POOL`` idle connections are kept; one left inside a transaction is rolled back
        first, and every kept one is closed with the State."""
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        if conn is None:
            conn = self._open()
        try:
            yield conn
        finally:
            if conn.in_transaction:
                conn.rollback()
            with self._lock:
                keep = len(self._idle) < POOL
                if keep:
                    self._idle.append(conn)
            if not keep:
                conn.close()

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout=10000")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def close(self) -> None:
        """Close the idle connections (also done when the State is collected)."""
        _close_all(self._idle, self._lock)


def _close_all(idle: list[sqlite3.Connection], lock: threading.Lock) -> None:
    with lock:
        conns, idle[:] = list(idle), []
    for conn in conns:
        conn.close()


@contextmanager
def transaction(conn: sqlite3.Connection):
    """Run a block atomically; IMMEDIATE takes the write lock up front so concurrent writers queue."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def get_meta(conn: sqlite3.Connection, key: str, default=None):
    """Return a JSON value stored in the meta table."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return json.loads(row["value"]) if row else default


def set_meta(conn: sqlite3.Connection, key: str, value) -> None:
    """Store a JSON value in the meta table."""
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, json.dumps(value, ensure_ascii=False)),
    )


def bump(conn: sqlite3.Connection, key: str, n: int = 1) -> None:
    """Increment a named counter."""
    conn.execute(
        "INSERT INTO counters (key, n) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET n = n + excluded.n",
        (key, n),
    )


def now() -> float:
    """Return the current Unix time (one place, so tests could patch it)."""
    return time.time()
