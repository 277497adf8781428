"""A token's VK request slots, one row per slot, shared by every process that uses the database."""

from __future__ import annotations

from sqlalchemy import Float, String
from sqlalchemy.orm import Mapped, mapped_column

from evosync.extensions import db


class VkRateSlot(db.Model):
    """One of a token's ``VK_RPS`` request slots (keyed by the token's SHA-256, never the token).

    ``free_at`` (seconds since the epoch on the database's clock) is when the slot may start its next
    request. A slot in use has a ``holder`` and a ``free_at`` far enough ahead that a holder that died
    mid-request frees it after a while instead of never.
    """

    __tablename__ = "vk_rate_slots"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    slot: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    free_at: Mapped[float] = mapped_column(Float, default=0.0)
    holder: Mapped[str | None] = mapped_column(String(64))
