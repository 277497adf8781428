"""Per-product overrides of the name guess, and the verdict shown on catalog rows (flush only)."""

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
    """Why a catalog product is never published, or None."""
    return forbidden.classify(product.type, product.name, product.evotor_id in overridden(product.user_id))


def name_guess(product: CatalogProduct) -> forbidden.Verdict | None:
    """The name guess alone (what the override button is about), ignoring any override."""
    return None if forbidden.by_type(product.type) else forbidden.by_name(product.name)


def row_verdicts(product: CatalogProduct) -> tuple[forbidden.Verdict | None, forbidden.Verdict | None]:
    """(``verdict_for``, ``name_guess``) of one catalog row, with the name matched once."""
    typed = forbidden.by_type(product.type)
    if typed is not None:
        return typed, None
    guess = forbidden.by_name(product.name)
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
