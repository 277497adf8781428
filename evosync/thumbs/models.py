"""The stored thumbnail of a product's Evotor image, fetched by a background task (docs/ui.md, «Thumbnails»)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from evosync.db import utcnow
from evosync.extensions import db


class ProductThumb(db.Model):
    """One per (user, Evotor product) once its image was asked for.

    ``product_hash`` is the product's content hash when the image was fetched: a thumb of another hash is
    stale and fetched again. ``data`` is None when Evotor has no usable image (none, refused, broken,
    too large: ``note`` says which) — the catalog then shows the product's card.
    """

    __tablename__ = "product_thumbs"
    __table_args__ = (UniqueConstraint("user_id", "product_id", name="uq_product_thumbs_user_id_product_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    product_id: Mapped[str] = mapped_column(String(255))
    product_hash: Mapped[str | None] = mapped_column(String(32))
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    etag: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(String(64))
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
