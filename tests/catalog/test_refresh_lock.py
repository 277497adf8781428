"""Every refresh of a user's catalog takes one lock: overlapping refreshes run one after the other."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from evosync.catalog.models import CatalogProduct, CatalogState
from evosync.catalog.refresh import refresh_catalog
from evosync.connections.clients import evotor_client_for
from evosync.extensions import db as _db


def _refresh_in_thread(app, user_id, on_progress, errors):
    def run():
        with app.app_context():
            try:

                def progress(text, percent):
                    _db.session.commit()  # the caller commits at every checkpoint, like the sync does
                    on_progress(text)

                refresh_catalog(user_id, evotor_client_for(user_id), progress)
                _db.session.commit()
            except Exception as exc:  # collected and asserted by the test
                errors.append(exc)
            finally:
                _db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_two_overlapping_refreshes_wait_for_each_other_and_lose_no_product(app, db, shop, sandbox):
    expected = db.session.scalar(select(CatalogState.product_count).where(CatalogState.user_id == shop.id))
    generation = db.session.scalar(select(CatalogState.generation).where(CatalogState.user_id == shop.id))
    first_inside, second_waiting = threading.Event(), threading.Event()
    errors: list[Exception] = []

    def first_progress(text):
        if not first_inside.is_set():
            first_inside.set()
            assert second_waiting.wait(30), "the second refresh never waited for the first"

    def second_progress(text):
        if text.startswith("Ждём окончания"):
            second_waiting.set()

    first = _refresh_in_thread(app, shop.id, first_progress, errors)
    assert first_inside.wait(30)
    second = _refresh_in_thread(app, shop.id, second_progress, errors)
    first.join(60)
    second.join(60)
    assert errors == []
    db.session.expire_all()
    count = db.session.scalar(
        select(func.count()).select_from(CatalogProduct).where(CatalogProduct.user_id == shop.id)
    )
    assert count == expected
    state = db.session.scalar(select(CatalogState).where(CatalogState.user_id == shop.id))
    assert state.generation == generation + 2
    assert state.product_count == expected
    # Unchanged rows keep the generation that last wrote them; none is ahead of the catalog's.
    assert not db.session.scalar(
        select(func.count()).select_from(CatalogProduct).where(CatalogProduct.generation > state.generation)
    )
