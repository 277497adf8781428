"""catalog products: indexed exact code and barcode lookups for a search

A search lists the products whose article, code or one of whose barcodes equals the query first. Those were
found by testing every substring match (5,718 rows for «чай» at 100,000 products); now each is an index
lookup: the article sort index, a new (user_id, code) index, and for barcodes a GIN index over the barcode
tokens on PostgreSQL and an FTS5 table of the barcodes' words on SQLite (kept in step by triggers), whose
few candidates are then checked for an exact token. See docs/catalog.md.

Revision ID: f3c8b1d2e7a4
Revises: d2f8a4c61e09
Create Date: 2026-12-02 07:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f3c8b1d2e7a4'
down_revision = 'd2f8a4c61e09'
branch_labels = None
depends_on = None

SQLITE_BARCODES = [
    "CREATE VIRTUAL TABLE catalog_barcodes_fts USING fts5("
    "barcodes, content='catalog_products', content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER catalog_barcodes_fts_insert AFTER INSERT ON catalog_products BEGIN "
    "INSERT INTO catalog_barcodes_fts(rowid, barcodes) VALUES (new.id, new.barcodes); END",
    "CREATE TRIGGER catalog_barcodes_fts_delete AFTER DELETE ON catalog_products BEGIN "
    "INSERT INTO catalog_barcodes_fts(catalog_barcodes_fts, rowid, barcodes) "
    "VALUES ('delete', old.id, old.barcodes); END",
    "CREATE TRIGGER catalog_barcodes_fts_update AFTER UPDATE OF barcodes ON catalog_products BEGIN "
    "INSERT INTO catalog_barcodes_fts(catalog_barcodes_fts, rowid, barcodes) "
    "VALUES ('delete', old.id, old.barcodes); "
    "INSERT INTO catalog_barcodes_fts(rowid, barcodes) VALUES (new.id, new.barcodes); END",
    "INSERT INTO catalog_barcodes_fts(catalog_barcodes_fts) VALUES ('rebuild')",
]


def upgrade():
    op.create_index('ix_catalog_products_user_id_code', 'catalog_products', ['user_id', 'code'])
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            "CREATE INDEX ix_catalog_products_barcode_tokens ON catalog_products "
            "USING gin (string_to_array(barcodes, ' '))"
        )
    else:
        for statement in SQLITE_BARCODES:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP INDEX IF EXISTS ix_catalog_products_barcode_tokens")
    else:
        for name in ('insert', 'delete', 'update'):
            op.execute(f"DROP TRIGGER IF EXISTS catalog_barcodes_fts_{name}")
        op.execute("DROP TABLE IF EXISTS catalog_barcodes_fts")
    op.drop_index('ix_catalog_products_user_id_code', table_name='catalog_products')
