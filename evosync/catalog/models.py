"""The per-user cache of the Evotor catalog: stores, product groups (nested) and products.

Rows are keyed by (user, Evotor id). A refresh upserts in bulk and stamps every row it saw with the
refresh's ``generation``; rows of older generations are what Evotor no longer has and are deleted.
Direct product counts per group / per store root are computed at refresh time so the catalog pages and
the toggles never scan 100,000 products to show counts.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from evosync.extensions import db

# Byte order («C») on PostgreSQL equals SQLite's BINARY order, so both sort the normalised names alike.
NAME_KEY = String(500).with_variant(String(500, collation="C"), "postgresql")


# A snapshot token is two random halves: the catalog's (new at every refresh) and the rules' (new at every
# refresh and rule change). What only a refresh changes (stores, groups) is kept under the catalog half.
CATALOG_HALF = 16


def new_snapshot_token() -> str:
    """A fresh ``CatalogState.snapshot_token`` (both halves new: a refresh)."""
    return secrets.token_hex(CATALOG_HALF)


def catalog_half(token: str) -> str:
    """The part of a snapshot token that only a refresh changes."""
    return token[:CATALOG_HALF]


class CatalogState(db.Model):
    """One per user once a refresh has finished: when, what it found, and the live generation."""

    __tablename__ = "catalog_states"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    generation: Mapped[int] = mapped_column(default=0)
    refreshed_at: Mapped[datetime | None]
    store_count: Mapped[int] = mapped_column(default=0)
    group_count: Mapped[int] = mapped_column(default=0)
    product_count: Mapped[int] = mapped_column(default=0)
    # The stored per-product decisions are current when decided_version == rules_version (docs/catalog.md).
    rules_version: Mapped[int] = mapped_column(default=1, server_default="1")
    decided_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # A new random value at every refresh and rule change (a rule change keeps the catalog half): what a
    # process keeps a loaded snapshot under (docs/catalog.md). Random, so a rolled-back change can never
    # name other data than its own.
    snapshot_token: Mapped[str | None] = mapped_column(String(32))


class CatalogStore(db.Model):
    """A cached Evotor store."""

    __tablename__ = "catalog_stores"
    __table_args__ = (UniqueConstraint("user_id", "evotor_id", name="uq_catalog_stores_user_id_evotor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    evotor_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    address: Mapped[str | None] = mapped_column(String(500))
    position: Mapped[int] = mapped_column(default=0)
    # Products outside any (known) group: the store-root bucket of the counts.
    ungrouped_count: Mapped[int] = mapped_column(default=0)
    generation: Mapped[int] = mapped_column(default=0)
    content_hash: Mapped[str | None] = mapped_column(String(32))


class CatalogGroup(db.Model):
    """A cached product group; ``parent_id`` is the Evotor id of the enclosing group."""

    __tablename__ = "catalog_groups"
    __table_args__ = (
        UniqueConstraint("user_id", "evotor_id", name="uq_catalog_groups_user_id_evotor_id"),
        Index("ix_catalog_groups_user_id_store_id", "user_id", "store_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    evotor_id: Mapped[str] = mapped_column(String(255))
    store_id: Mapped[str] = mapped_column(String(255))
    parent_id: Mapped[str | None] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    is_modification_group: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    # Products directly in this group (not in its subgroups).
    product_count: Mapped[int] = mapped_column(default=0)
    generation: Mapped[int] = mapped_column(default=0)
    content_hash: Mapped[str | None] = mapped_column(String(32))


class CatalogProduct(db.Model):
    """A cached product with every field the pages, the export and the sync need."""

    __tablename__ = "catalog_products"
    __table_args__ = (
        UniqueConstraint("user_id", "evotor_id", name="uq_catalog_products_user_id_evotor_id"),
        Index("ix_catalog_products_user_id_store_id_group_id", "user_id", "store_id", "group_id"),
        *(
            Index(f"ix_catalog_products_{'_'.join(cols)}", *cols)
            for cols in (
                (*scope, sort, "id")
                for scope in (("user_id",), ("user_id", "store_id"))
                for sort in ("name_key", "article_number", "price", "quantity")
            )
        ),
        # A search's exact code match (the article's is the article sort index; barcodes: docs/catalog.md).
        Index("ix_catalog_products_user_id_code", "user_id", "code"),
        # The group filter, and a recompute's per-group check of the stored decision without reading rows.
        Index(
            "ix_catalog_products_user_id_group_id_decision",
            "user_id",
            "group_id",
            "decision_code",
            "decision_source",
        ),
        # Every product's stored decision, read grouped by decision from the index alone (the sync's read).
        Index(
            "ix_catalog_products_user_id_decision_evotor_id",
            "user_id",
            "decision_code",
            "decision_source",
            "evotor_id",
        ),
        # The CSV export's order (a user's products by id, no sort).
        Index("ix_catalog_products_user_id_id", "user_id", "id"),
        Index("ix_catalog_products_user_id_syncs_name_key_id", "user_id", "syncs", "name_key", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    evotor_id: Mapped[str] = mapped_column(String(255))
    store_id: Mapped[str] = mapped_column(String(255))
    group_id: Mapped[str | None] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(500))
    article_number: Mapped[str | None] = mapped_column(String(255))
    code: Mapped[str | None] = mapped_column(String(255))
    # Space-separated, as Evotor barcodes never contain spaces.
    barcodes: Mapped[str] = mapped_column(Text, default="")
    price: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    quantity: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    measure_name: Mapped[str | None] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(64), default="NORMAL")
    allow_to_sell: Mapped[bool] = mapped_column(default=True)
    description: Mapped[str | None] = mapped_column(Text)
    has_image: Mapped[bool | None]
    evotor_updated_at: Mapped[datetime | None]
    # Name, article, code and barcodes normalised (casefold, ё → е; see normalise() in refresh.py): indexed
    # by a trigram index on both databases (pg_trgm GIN, SQLite FTS5 table kept in step by triggers).
    search_text: Mapped[str] = mapped_column(Text, default="")
    # The name normalised like search_text, compared byte-wise on both databases: the Russian sort order.
    name_key: Mapped[str] = mapped_column(NAME_KEY, default="", server_default="")
    # What the name looks like if it looks forbidden (forbidden.by_name(name).what: «вейп», «алкоголь», …),
    # else NULL; set by the refresh so the export and the pages never run the name patterns per row.
    name_guess: Mapped[str | None] = mapped_column(String(64))
    generation: Mapped[int] = mapped_column(default=0)
    content_hash: Mapped[str | None] = mapped_column(String(32))
    # The stored decision (docs/catalog.md): whether it syncs, the engine's reason code and deciding id.
    syncs: Mapped[bool] = mapped_column(default=False, server_default=false())
    decision_code: Mapped[str | None] = mapped_column(String(32))
    decision_source: Mapped[str | None] = mapped_column(String(255))
