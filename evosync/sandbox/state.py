"""SQLite-backed state shared by every sandbox request, thread and process."""

from __future__ import annotations

import json
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path

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
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        with self.connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(SCHEMA)

    @contextmanager
    def connect(self):
        """Yield an autocommit connection and always close it (unclosed ones warn under pytest)."""
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        try:
            conn.execute("PRAGMA busy_timeout=10000")
            conn.execute("PRAGMA synchronous=NORMAL")
            yield conn
        finally:
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
