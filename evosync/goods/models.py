"""The merchant's per-product overrides of the goods rules (docs/forbidden-goods.md)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from evosync.db import utcnow
from evosync.extensions import db


class NameGuessOverride(db.Model):
    """«Это не запрещённый товар»: the merchant says the name guess is wrong for this product, so it may be
    published. A verdict by Evotor type is never overridden."""

    __tablename__ = "goods_name_overrides"
    __table_args__ = (
        UniqueConstraint("user_id", "product_id", name="uq_goods_name_overrides_user_id_product_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    product_id: Mapped[str] = mapped_column(String(255))  # Evotor product id
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
