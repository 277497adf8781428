"""Per-product overrides of the name guess, and the verdict shown on catalog rows (flush only).

The rows' verdicts read the name guess the refresh stored (``CatalogProduct.name_guess``), as the CSV export
does, so the page and the export say the same thing without running the name patterns per row.
"""

from __future__ import annotations

from flask import g, has_request_context
from sqlalchemy import delete, select

from evosync.catalog.models import CatalogProduct
from evosync.extensions import db
from evosync.goods import forbidden
from evosync.goods.models import NameGuessOverride


def overridden(user_id: int) -> set[str]:
    """Evotor ids of the user's products whose name guess the merchant overrode (once per request)."""
    cache = g.setdefault("goods_overrides", {}) if has_request_context() else {}
    if user_id not in cache:
        cache[user_id] = set(
            db.session.scalars(
                select(NameGuessOverride.product_id).where(NameGuessOverride.user_id == user_id)
            )
        )
    return cache[user_id]


def verdict_for(product: CatalogProduct) -> forbidden.Verdict | None:
    """Why a catalog product is never published, or None (from the name guess the refresh stored)."""
    allowed = product.evotor_id in overridden(product.user_id)
    return forbidden.classify_stored(product.type, product.name_guess, allowed)


def name_guess(product: CatalogProduct) -> forbidden.Verdict | None:
    """The name guess alone (what the override button is about), ignoring any override."""
    if forbidden.by_type(product.type) is not None:
        return None
    return forbidden.classify_stored(None, product.name_guess)


def row_verdicts(product: CatalogProduct) -> tuple[forbidden.Verdict | None, forbidden.Verdict | None]:
    """(``verdict_for``, ``name_guess``) of one catalog row, from its stored name guess (no pattern runs)."""
    typed = forbidden.by_type(product.type)
    if typed is not None:
        return typed, None
    guess = forbidden.classify_stored(None, product.name_guess)
    if guess is None:
        return None, None
    return (None if product.evotor_id in overridden(product.user_id) else guess), guess


def set_override(user_id: int, product_id: str, allowed: bool) -> CatalogProduct | None:
    """«Это не запрещённый товар» (``allowed``) or back to the guess; None for a product not the user's."""
    product = db.session.scalar(
        select(CatalogProduct).where(
            CatalogProduct.user_id == user_id, CatalogProduct.evotor_id == product_id
        )
    )
    if product is None:
        return None
    db.session.execute(
        delete(NameGuessOverride).where(
            NameGuessOverride.user_id == user_id, NameGuessOverride.product_id == product_id
        )
    )
    if allowed:
        db.session.add(NameGuessOverride(user_id=user_id, product_id=product_id))
    db.session.flush()
    if has_request_context():
        g.pop("goods_overrides", None)
    return product
