"""The one Huey instance, bound to the app's TASKS_URL in the factory; tasks run inside an app context.

Storage follows the app database's rule: a SQLite file in ``instance/`` by default (zero setup),
``postgresql+psycopg://…`` / ``postgresql://…`` in production (tables made by the migrations, see
tasks/storage.py), ``memory://`` for tests that need no consumer, ``redis://…`` when offered. See docs/tasks.md.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any

from flask import Flask
from huey import Huey
from huey.storage import MemoryStorage, SqliteStorage

from evosync.extensions import db
from evosync.tasks.storage import SqlStorage

QUEUE_NAME = "evosync"

# Created unbound like every extension: decorators need the instance at import time, the storage is
# swapped in by init_app once the configuration is known.
huey = Huey(QUEUE_NAME, storage_class=MemoryStorage, results=False, utc=True)
_bound: dict[str, Any] = {}


class TasksConfigError(RuntimeError):
    """TASKS_URL names a storage the queue cannot use."""


def tasks_url(app: Flask) -> str:
    """TASKS_URL (``database`` = the app database itself), else a SQLite file in the instance folder."""
    url = app.config.get("TASKS_URL")
    if url == "database":
        return "sql+" + app.config["SQLALCHEMY_DATABASE_URI"]
    return url or "sqlite:///" + os.path.join(app.instance_path, "tasks.sqlite")


def make_storage(url: str) -> Any:
    """Build the Huey storage a TASKS_URL names."""
    if url == "memory://":
        return MemoryStorage(QUEUE_NAME)
    if url.startswith("sqlite:///"):
        return SqliteStorage(QUEUE_NAME, filename=url[len("sqlite:///") :], timeout=30)
    if url.startswith("sql+"):
        return SqlStorage(QUEUE_NAME, url=url[len("sql+") :])
    if url.startswith(("postgresql://", "postgresql+psycopg://")):
        return SqlStorage(QUEUE_NAME, url=url)
    if url.startswith("redis://"):
        from huey.storage import RedisStorage  # redis is an optional dependency

        return RedisStorage(QUEUE_NAME, url=url)
    raise TasksConfigError(f"TASKS_URL {url!r}: use sqlite:///PATH, postgresql+psycopg://… or redis://…")


def init_app(app: Flask) -> None:
    """Point the queue at this app's storage and remember the app for the tasks' context."""
    url = tasks_url(app)
    if _bound.get("url") != url:
        # A new storage only when the place changes: apps of one deployment (or one test run) share one,
        # and a worker thread may be inside it right now.
        previous, huey.storage = huey.storage, make_storage(url)
        previous.close()  # an SQL storage's engine (a test builds many apps)
        _bound["url"] = url
    _bound["app"] = app


def bound_app() -> Flask:
    """The app the queue was last bound to (the worker's, or the test's)."""
    try:
        return _bound["app"]
    except KeyError:
        raise RuntimeError("the task queue is not bound to an app: call create_app() first") from None


def _in_app_context(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def in_app_context(*args: Any, **kwargs: Any) -> Any:
        with bound_app().app_context():
            try:
                return fn(*args, **kwargs)
            finally:
                db.session.remove()

    return in_app_context


def task(**options: Any) -> Callable[[Callable[..., Any]], Any]:
    """``@huey.task`` that runs the function inside the bound app's context and cleans the session after."""
    return lambda fn: huey.task(**options)(_in_app_context(fn))


def periodic_task(validate: Callable[..., bool], **options: Any) -> Callable[[Callable[..., Any]], Any]:
    """``@huey.periodic_task`` run inside the bound app's context."""
    return lambda fn: huey.periodic_task(validate, **options)(_in_app_context(fn))
