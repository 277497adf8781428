"""Catalog fixtures: the app pointed at the sandbox, a user with Evotor connected, a refreshed catalog."""

from __future__ import annotations

import pytest

from evosync.extensions import db as _db


@pytest.fixture
def app_config(app_config, sandbox):
    """The app under test talks to the sandbox's Evotor and VK."""
    return {**app_config, **sandbox.config()}


@pytest.fixture
def connect_evotor(app, sandbox):
    """connect_evotor(user) saves the sandbox's demo Evotor token as the user's connection."""
    from evosync.connections.service import save_tokens

    def _connect(user, token: str | None = None):
        with app.app_context():
            save_tokens(user.id, "evotor", token or sandbox.evotor_token, auth_method="token")
            _db.session.commit()

    return _connect


@pytest.fixture
def refresh(app):
    """refresh(user) runs the catalog refresh job now, in this thread, and returns the job row."""
    from evosync.catalog.service import REFRESH_KIND, refresh_job
    from evosync.jobs.service import run_job

    def _refresh(user):
        with app.app_context():
            job = run_job(REFRESH_KIND, user.id, refresh_job(user.id))
            _db.session.expunge(job)
            return job

    return _refresh


@pytest.fixture
def shop(user, connect_evotor, refresh):
    """The logged-in test user with Evotor connected and the demo catalog refreshed."""
    connect_evotor(user)
    job = refresh(user)
    assert job.status == "succeeded", job.message
    return user


@pytest.fixture
def ids(app, shop):
    """ids.group("Кофе") / ids.product("Чизкейк…") / ids.store(1): Evotor ids from the refreshed cache."""
    from sqlalchemy import select

    from evosync.catalog.models import CatalogGroup, CatalogProduct, CatalogStore

    class Ids:
        def store(self, position: int) -> str:
            return self._one(select(CatalogStore.evotor_id).where(CatalogStore.position == position - 1))

        def group(self, name: str) -> str:
            return self._one(select(CatalogGroup.evotor_id).where(CatalogGroup.name == name).limit(1))

        def product(self, name_start: str) -> str:
            stmt = select(CatalogProduct.evotor_id).where(CatalogProduct.name.startswith(name_start))
            return self._one(stmt.order_by(CatalogProduct.id).limit(1))

        def _one(self, stmt) -> str:
            with app.app_context():
                value = _db.session.scalar(stmt.where(stmt.selected_columns[0].table.c.user_id == shop.id))
            assert value is not None, stmt
            return value

    return Ids()
