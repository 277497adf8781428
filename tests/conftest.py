"""Shared fixtures: app on SQLite and PostgreSQL, clients, factories, live server, browser."""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text
from werkzeug.serving import make_server

from evosync import create_app
from evosync.extensions import db as _db
from evosync.extensions import limiter
from evosync.tasks.queue import huey
from evosync.tasks.queue import init_app as bind_tasks
from tests.pg_cluster import Cluster, find_bindir

pytest_plugins = [
    name for name in ("tests.sandbox_plugin", "tests.tasks_plugin") if importlib.util.find_spec(name)
]

BACKENDS = ("sqlite", "postgresql")
TEST_TOKEN_KEYS = "Lm4Wc7N8kq4cAqJ8X0m0q9mJw3rR2cCFe3yU8m0n8aA="  # a throwaway Fernet key for tests


def pytest_addoption(parser):
    parser.addoption(
        "--backend", choices=("both", *BACKENDS), default="both", help="databases to run DB tests on"
    )


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "both_databases: a browser journey that runs on both databases (its answer depends on them)",
    )


def pytest_generate_tests(metafunc):
    # Every test that touches the database runs once per backend; a browser journey once (see _backends).
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", _backends(metafunc), scope="session")


def _backends(metafunc) -> tuple[str, ...]:
    """The databases a test runs on: both, or the one ``--backend`` picks.

    A browser journey (marker ``browser``) drives the pages, whose database work every view test already
    checks on both backends: under ``both`` it runs once, on PostgreSQL (production's database; `bin/run`'s
    newcomer journey covers SQLite), or on SQLite where there are no PostgreSQL binaries.
    """
    chosen = metafunc.config.getoption("--backend")
    if chosen != "both":
        return (chosen,)
    if metafunc.definition.get_closest_marker("browser") is None:
        return BACKENDS
    if metafunc.definition.get_closest_marker("both_databases") is not None:
        return BACKENDS  # a journey whose answer depends on the database (search, sort)
    return ("postgresql",) if find_bindir() is not None else ("sqlite",)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster | None]:
    """One PostgreSQL cluster for the session, or None where there are no server binaries."""
    bindir = find_bindir()
    if bindir is None:
        yield None
        return
    cluster = Cluster(bindir).start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory, pg_cluster) -> dict[str, str | None]:
    """One database per backend for the session; the schema is built by the migrations."""
    sqlite_path = tmp_path_factory.mktemp("sqlite") / "evosync.sqlite"
    urls = {
        "tasks": f"sqlite:///{tmp_path_factory.mktemp('tasks') / 'tasks.sqlite'}",
        "vk_rate": str(tmp_path_factory.mktemp("vk_rate") / "vk-rate.sqlite"),
        "sqlite": f"sqlite:///{sqlite_path}",
        "postgresql": pg_cluster.create_database("evosync_test") if pg_cluster else None,
    }
    return urls


_migrated: set[str] = set()


def _base_config(url: str, tmp_path) -> dict:
    return {
        "ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "DATABASE_URL": url,
        "TOKEN_KEYS": TEST_TOKEN_KEYS,
        "WTF_CSRF_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
        "SERVER_NAME": None,
        # Cheap argon2id: the suite logs in thousands of times (production refuses these values).
        "PASSWORD_HASH_MEMORY_KIB": 1024,
        "PASSWORD_HASH_TIME_COST": 1,
    }


@pytest.fixture
def app_config(request, backend, database_urls, tmp_path) -> dict:
    """Config overrides of the app under test (tests may edit it before `app` is built).

    A test that uses the ``sandbox`` fixture gets an app whose provider URLs and client ids point at it.
    """
    url = database_urls[backend]
    if url is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL server binaries are missing, and CI must test on PostgreSQL too")
        pytest.skip("PostgreSQL server binaries not found; the PostgreSQL half of the suite is skipped")
    config = _base_config(url, tmp_path)
    # As in production: on SQLite the queue has a file of its own (never the worktree's instance/), on
    # PostgreSQL it lives in the app database (EvoSync's SQL storage), emptied with it.
    config["TASKS_URL"] = database_urls["tasks"] if backend == "sqlite" else "database"
    config["VK_RATE_SQLITE"] = database_urls["vk_rate"]  # SQLite only: the VK limiter's own file
    if "sandbox" in request.fixturenames:
        sandbox = request.getfixturevalue("sandbox")
        config.update(sandbox.config(), SANDBOX=True, SANDBOX_URL=sandbox.url)
    return config


# Apps are built once per distinct configuration and reused by every test with that configuration; a test
# that changes its app's config gets a fresh app next time (the changed one is dropped and disposed).
_apps: dict[str, Flask] = {}


def _cached_app(config: dict) -> Flask:
    key = repr(sorted(config.items()))
    application = _apps.get(key)
    if application is None:
        application = _apps[key] = create_app(dict(config))
        with application.app_context():
            url = application.config["SQLALCHEMY_DATABASE_URI"]
            if url not in _migrated:
                upgrade()
                _migrated.add(url)
    return application


def _drop_app(application: Flask) -> None:
    for key, cached in list(_apps.items()):
        if cached is application:
            del _apps[key]
    with application.app_context():
        _db.engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def _dispose_cached_apps():
    yield
    for application in list(_apps.values()):
        _drop_app(application)


@pytest.fixture
def app(app_config):
    """The app for this configuration (built once, reused) on a migrated, emptied database."""
    application = _cached_app(app_config)
    before = dict(application.config)
    with application.app_context():
        _truncate_all()
    bind_tasks(application)
    huey.storage.flush_all()  # no test sees another test's queued tasks
    limiter.reset()
    yield application
    _join_background_threads()
    with application.app_context():
        _db.session.remove()
    if application.config != before:
        _drop_app(application)


def _join_background_threads(timeout: float = 60) -> None:
    """Wait for jobs started by views (catalog refresh, manual sync) so none outlives its test's engine.

    A job thread still holding a connection when the engine is disposed would be garbage-collected in some
    later test, and psycopg's ResourceWarning would fail that innocent test instead.
    """
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and thread.name.startswith("job-"):
            thread.join(timeout)


def _truncate_all() -> None:
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    if _db.engine.dialect.name == "postgresql":
        _db.session.execute(
            text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
        )
    else:
        for table in tables:
            _db.session.execute(text(f'DELETE FROM "{table}"'))  # noqa: S608 - table names come from our metadata
    _db.session.commit()


@pytest.fixture
def make_app(app):
    """Factory for extra apps on the test database (e.g. CSRF on); their engines are disposed after."""
    made = []

    def _make(config: dict):
        application = create_app(config)
        made.append(application)
        return application

    yield _make
    for application in made:
        with application.app_context():
            _db.engine.dispose()


@pytest.fixture
def db(app):
    """The Flask-SQLAlchemy handle, inside an app context."""
    with app.app_context():
        yield _db


@pytest.fixture
def client(app):
    """A test client that does not preserve request contexts between requests.

    pytest-flask's own ``client`` opens ``with app.test_client()``, which re-pushes each request's
    contexts afterwards; interleaved with the ``db`` fixture's app context that pops the wrong one.
    """
    return app.test_client()


@pytest.fixture
def runner(app):
    """Click runner for `flask` commands."""
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Factory: make_user(email=…, password=…) → User (committed)."""
    from evosync.auth.service import create_user

    counter = iter(range(1, 10_000))

    def _make(email: str | None = None, password: str = "correct horse battery") -> object:
        with app.app_context():
            user = create_user(email or f"shop{next(counter)}@example.ru", password)
            _db.session.commit()
            _db.session.refresh(user)
            _db.session.expunge(user)
            return user

    return _make


@pytest.fixture
def login(client):
    """login(email, password) through the real form; returns the response."""

    def _login(email: str, password: str = "correct horse battery"):
        return client.post("/login", data={"email": email, "password": password})

    return _login


@pytest.fixture
def user(make_user):
    """A registered user."""
    return make_user(email="shop@example.ru")


@pytest.fixture
def auth_client(client, user, login):
    """A test client logged in as ``user``."""
    response = login(user.email)
    assert response.status_code == 302, response.data
    return client


class LiveServer:
    """The app served by werkzeug on a loopback port in a background thread."""

    def __init__(self, application) -> None:
        self.app = application
        self.server = make_server("127.0.0.1", 0, application, threaded=True)
        # Request threads are joined at exit (server_close): one still running when the caller disposes the
        # engine would return its psycopg connection to a dead pool, and the connection's ResourceWarning
        # would fail whichever later test runs when it is garbage-collected.
        self.server.daemon_threads = False
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.server.server_close()  # waits for in-flight requests (a page's last poll), closes the socket


@pytest.fixture
def live_app_config(app_config) -> dict:
    """Config of the live server: CSRF on, as in production."""
    return {**app_config, "WTF_CSRF_ENABLED": True}


@pytest.fixture
def live_server_url(live_app_config, app) -> Iterator[str]:
    """Base URL of the app served over real HTTP (shares the test database with ``app``)."""
    application = create_app(live_app_config)
    with LiveServer(application) as server:
        yield server.url
    _join_background_threads()
    with application.app_context():
        _db.engine.dispose()


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail("/usr/bin/chromium is missing; bin/test installs it when run as root")
        pytest.skip("/usr/bin/chromium is not installed")
    from playwright.sync_api import expect, sync_playwright

    # Four test workers share two cores with their servers and browsers: a search that answers in 50 ms
    # alone took over expect's default 5 s once under CI. Waits end as soon as the page is right.
    expect.set_options(timeout=10_000)
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server_url):
    """A fresh browser page; console CSP violations are collected in ``page.csp_violations``."""
    # reduced_motion: Bootstrap scrolls smoothly to an anchor (/sync#settings) unless the user asks for less
    # motion, and a full-page screenshot of a page mid smooth scroll took 29 s or timed out in Chromium.
    context = browser.new_context(base_url=live_server_url, locale="ru-RU", reduced_motion="reduce")
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    violations: list[str] = []
    pg.on(
        "console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None
    )
    pg.csp_violations = violations
    yield pg
    context.close()
