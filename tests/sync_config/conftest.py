"""Sync-config fixtures: a small nested catalog built directly, rules, seeded connections, switch states."""

from __future__ import annotations

from decimal import Decimal

import pytest

from evosync.extensions import db as _db

# The worked example of docs/filters.md: S1 with groups A, B (child B1); a1 ∈ A, b1 ∈ B1, r outside any group; plus S2.
# Names carry quotes, a newline and an emoji: the JSON must stay valid.
STORES = [("S1", 'Магазин "Центр"'), ("S2", "Склад\nвторой 🏪")]
GROUPS = [("A", "S1", None, "Кофе"), ("B", "S1", None, 'Чай "Листовой"'), ("B1", "S1", "B", "Улун 🍵")]
PRODUCTS = [("a1", "S1", "A"), ("b1", "S1", "B1"), ("r", "S1", None), ("s2p", "S2", None)]


@pytest.fixture
def seed_catalog(app):
    """seed_catalog(user): the worked-example catalog (+ a refreshed CatalogState) for the user."""
    from evosync.catalog.models import CatalogGroup, CatalogProduct, CatalogState, CatalogStore
    from evosync.db import utcnow

    def _seed(user) -> None:
        with app.app_context():
            for position, (sid, name) in enumerate(STORES):
                ungrouped = sum(1 for _, s, g in PRODUCTS if s == sid and g is None)
                _db.session.add(
                    CatalogStore(
                        user_id=user.id,
                        evotor_id=sid,
                        name=name,
                        position=position,
                        ungrouped_count=ungrouped,
                    )
                )
            for position, (gid, store_id, parent, name) in enumerate(GROUPS):
                count = sum(1 for _, _s, g in PRODUCTS if g == gid)
                _db.session.add(
                    CatalogGroup(
                        user_id=user.id,
                        evotor_id=gid,
                        store_id=store_id,
                        parent_id=parent,
                        name=name,
                        position=position,
                        product_count=count,
                    )
                )
            for pid, sid, gid in PRODUCTS:
                _db.session.add(
                    CatalogProduct(
                        user_id=user.id,
                        evotor_id=pid,
                        store_id=sid,
                        group_id=gid,
                        name=f"Товар {pid}",
                        price=Decimal(100),
                    )
                )
            _db.session.add(
                CatalogState(
                    user_id=user.id, refreshed_at=utcnow(), store_count=2, group_count=3, product_count=4
                )
            )
            _db.session.commit()

    return _seed


@pytest.fixture
def add_rule(app):
    """add_rule(user, entity_type, entity_id, mode, name="", parent=None) stores one sync_filters row."""
    from evosync.rules.service import set_rule

    def _add(
        user, entity_type: str, entity_id: str, mode: str, name: str = "", parent: str | None = None
    ) -> None:
        with app.app_context():
            set_rule(user.id, entity_type, entity_id, mode, name, parent)
            _db.session.commit()

    return _add


@pytest.fixture
def connect(app):
    """connect(user, evotor="ok", vk="ok", group_id=123456): seed both connections with a health verdict.

    Pass None for a provider to leave it unconnected.
    """
    from evosync.connections.service import save_tokens

    def _connect(
        user, evotor: str | None = "ok", vk: str | None = "ok", group_id: int | None = 123456
    ) -> None:
        with app.app_context():
            for provider, state in (("evotor", evotor), ("vk", vk)):
                if state is None:
                    continue
                connection = save_tokens(user.id, provider, f"token-{provider}-{user.id}")
                connection.status = state
                connection.message = "Токен отозван — подключите заново." if state == "error" else None
                if provider == "vk":
                    connection.vk_group_id = group_id
                    connection.vk_group_name = "Магазин"
            _db.session.commit()

    return _connect


@pytest.fixture
def switch(app):
    """switch(user, enabled=True, confirmed=True, paused=None): set the config and pause state directly."""
    from evosync.db import utcnow
    from evosync.rules.service import get_or_create_config
    from evosync.sync.config.service import get_or_create_settings

    def _switch(user, enabled: bool = True, confirmed: bool = True, paused: str | None = None) -> None:
        with app.app_context():
            config = get_or_create_config(user.id)
            config.is_enabled = enabled
            config.confirmed_at = utcnow() if confirmed else None
            if paused:
                settings = get_or_create_settings(user.id)
                settings.paused_code, settings.paused_reason, settings.paused_at = "captcha", paused, utcnow()
            _db.session.commit()

    return _switch


@pytest.fixture
def ready_shop(user, seed_catalog, add_rule, connect, switch):
    """The logged-in test user, fully set up: catalog, store S1 included, connections ok, on and confirmed."""
    seed_catalog(user)
    add_rule(user, "store", "S1", "include", "Магазин")
    connect(user)
    switch(user)
    return user


@pytest.fixture
def first_runs(app, queue):
    """first_runs() → the users whose manual sync «Подтвердить и запустить» queued (no worker runs it here)."""
    from sqlalchemy import select

    from evosync.jobs.models import Job
    from evosync.sync.engine.outcomes import MANUAL_KIND

    def _queued() -> list[int]:
        with app.app_context():
            rows = _db.session.scalars(
                select(Job.user_id).where(Job.kind == MANUAL_KIND, Job.status == "queued").order_by(Job.id)
            ).all()
            syncs = [t for t in queue.pending() if t.name.endswith("manual_sync_task")]
            assert len(syncs) == len(rows)  # each queued row has its task on the queue
            return list(rows)

    return _queued
