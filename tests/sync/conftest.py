"""Sync fixtures: the app on the sandbox with a fast VK limit, and ``shop(...)`` users ready to sync."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from evosync.db import utcnow
from evosync.extensions import db as _db
from evosync.rules.models import SyncConfig
from evosync.sync.config.models import SyncSettings
from tests.factories import connect_accounts

FAST_RPS = 50
PRODUCTS = 60


@pytest.fixture
def app_config(app_config, sandbox):
    """The sandbox with a small catalog and a high VK limit; backoff shortened so faults stay quick."""
    sandbox.reset(products=PRODUCTS, vk_rps=FAST_RPS)
    # SYNC_CATALOG_MAX_AGE=0: every run fetches the catalog, so tests that change it in the sandbox between
    # runs see the change (the fixture's own refresh would otherwise count as fresh).
    return {
        **app_config,
        **sandbox.config(),
        "VK_RPS": FAST_RPS,
        "VK_RETRY_BASE": 0.01,
        "SYNC_CATALOG_MAX_AGE": 0,
    }


def connect(
    app, user_id: int, sandbox, enabled: bool = True, stores: list[str] | None = None, **settings
) -> dict:
    """Connect Evotor + VK (sandbox demo shop), fetch the catalog, include ``stores`` (default every store: the
    same products as no rules, but configured: a user with no rules is «Не настроено» and never syncs), enable and confirm
    the sync; returns the VK token pair."""
    pair = connect_accounts(app, user_id, sandbox)
    include_stores(app, user_id, stores)
    with app.app_context():
        config = _db.session.scalar(select(SyncConfig).where(SyncConfig.user_id == user_id))
        if config is None:
            config = SyncConfig(user_id=user_id)
            _db.session.add(config)
        config.is_enabled, config.confirmed_at = enabled, utcnow()
        if settings:
            row = SyncSettings(user_id=user_id, **settings)
            _db.session.add(row)
        _db.session.commit()
    return pair


def include_stores(app, user_id: int, store_ids: list[str] | None = None) -> None:
    """Refresh the user's cached catalog from the sandbox and add a store include rule for each store given
    (default: every store)."""
    from evosync.catalog.models import CatalogStore
    from evosync.catalog.refresh import refresh_catalog
    from evosync.connections.clients import evotor_client_for
    from evosync.rules.service import set_rule

    with app.app_context():
        refresh_catalog(user_id, evotor_client_for(user_id), lambda *a: None)
        for store in _db.session.scalars(select(CatalogStore).where(CatalogStore.user_id == user_id)).all():
            if store_ids is None or store.evotor_id in store_ids:
                set_rule(user_id, "store", store.evotor_id, "include", store.name)
        _db.session.commit()


@pytest.fixture
def shop(app, make_user, sandbox):
    """A user connected to the sandbox with the sync enabled and confirmed."""
    user = make_user()
    connect(app, user.id, sandbox)
    return user


@pytest.fixture
def sync(app):
    """sync(user_id, **kw) runs one user's sync now and returns the Outcome."""
    from evosync.sync.engine.runner import run_user

    def _sync(user_id: int, trigger: str = "cron", **kw):
        with app.app_context():
            outcome = run_user(user_id, trigger, **kw)
            _db.session.remove()
            return outcome

    return _sync


def live_items(sandbox) -> list[dict]:
    """The community's items that are not deleted."""
    return [i for i in sandbox.vk_items() if not i.get("deleted")]


def write_calls(sandbox) -> int:
    """VK write calls the sandbox saw (inside execute included)."""
    methods = sandbox.counters()["methods"]
    writes = ("market.add", "market.edit", "market.delete", "market.addAlbum", "market.addToAlbum")
    return sum(methods.get(m, 0) for m in writes)
