"""Times are UTC end to end: SQLite's naive values and PostgreSQL's session time zone alike."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from evosync.db import as_utc


def test_as_utc_normalises_naive_and_foreign_zones():
    moscow = timezone(timedelta(hours=3))
    assert as_utc(datetime(2026, 11, 27, 2, 46, tzinfo=moscow)) == datetime(2026, 11, 26, 23, 46, tzinfo=UTC)
    assert as_utc(datetime(2026, 11, 26, 23, 46)).tzinfo is UTC
    assert as_utc(None) is None


def test_postgresql_sessions_run_in_utc(app, db, backend):
    if backend != "postgresql":
        pytest.skip("SQLite has no session time zone")
    db.session.execute(text("ALTER ROLE CURRENT_USER SET timezone = 'Europe/Moscow'"))
    db.session.commit()
    try:
        db.engine.dispose()
        assert db.session.scalar(text("SELECT current_setting('TimeZone')")) == "UTC"
        now = db.session.scalar(text("SELECT now()"))
        assert now.utcoffset() == timedelta(0)
    finally:
        db.session.execute(text("ALTER ROLE CURRENT_USER RESET timezone"))
        db.session.commit()


def test_a_postgresql_session_left_idle_in_a_transaction_is_ended(app_config, backend):
    """A process frozen inside a transaction (SIGSTOP, a cut cable) must not hold its row locks for ever."""
    if backend != "postgresql":
        pytest.skip("SQLite locks live in the file, not in a server session")
    from evosync import create_app
    from evosync.extensions import db as _db

    app = create_app({**app_config, "DB_IDLE_TRANSACTION_SECONDS": 1})
    with app.app_context():
        assert _db.session.scalar(text("SHOW idle_in_transaction_session_timeout")) == "1s"
        _db.session.rollback()
        with _db.engine.connect() as frozen:
            frozen.execute(text("SELECT 1"))  # a transaction is open, then nothing is sent
            time.sleep(2.5)
            with pytest.raises(Exception, match=r"idle-in-transaction timeout"):
                frozen.execute(text("SELECT 1"))
        _db.engine.dispose()


def test_a_connection_the_server_closed_is_replaced_without_an_error(app, app_config, backend):
    """A PostgreSQL restart or an administrator ends the pooled sessions: the next requests still answer,
    from new connections (the pool's checkout sees the closed socket; no SELECT 1 per request)."""
    if backend != "postgresql":
        pytest.skip("SQLite has no server to close a connection")
    from evosync import create_app
    from evosync.auth.service import create_user
    from evosync.extensions import db as _db

    own = create_app(
        app_config
    )  # its own pool, used by nothing but this test's requests (``app``: the schema)
    assert own.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is False
    with own.app_context():
        create_user("pool@example.ru", "pool pass phrase")
        _db.session.commit()
        engine = _db.engine
    client = own.test_client()
    client.post("/login", data={"email": "pool@example.ru", "password": "pool pass phrase"})
    assert client.get("/catalog/products").status_code == 200
    mine = {record.dbapi_connection.info.backend_pid for record in list(engine.pool._pool.queue)}
    assert mine  # the requests' connections are back in the pool, idle
    import psycopg

    with psycopg.connect(
        engine.url.set(drivername="postgresql").render_as_string(False), autocommit=True
    ) as admin:
        for pid in mine:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    time.sleep(0.2)  # the server's goodbye reaches the sockets
    for _ in range(3):
        assert client.get("/catalog/products").status_code == 200
    with own.app_context():
        _db.engine.dispose()
