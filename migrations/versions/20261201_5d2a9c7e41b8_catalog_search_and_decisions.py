"""catalog: indexed Russian search, name sort key, content hashes, stored decisions

Adds the normalised name sort key, a content hash per cached row (a refresh writes only what changed), the
stored per-product decision with the versions that say whether it is current, an index per sort (with and
without the store filter), and the trigram search index: pg_trgm GIN on PostgreSQL, an FTS5 trigram table
kept in step by triggers on SQLite. Existing rows get their normalised search text and sort key here; their
decisions are marked stale (the next rule change or refresh recomputes them). See docs/catalog.md.

Revision ID: 5d2a9c7e41b8
Revises: 2df6fe232aeb
Create Date: 2026-12-01 22:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d2a9c7e41b8'
down_revision = '2df6fe232aeb'
branch_labels = None
depends_on = None

NAME_KEY = sa.String(500).with_variant(sa.String(500, collation="C"), "postgresql")
SORT_INDEXES = [
    (*scope, sort, "id")
    for scope in (("user_id",), ("user_id", "store_id"))
    for sort in ("name_key", "article_number", "price", "quantity")
]
SQLITE_FTS = [
    "CREATE VIRTUAL TABLE catalog_products_fts USING fts5("
    "search_text, content='catalog_products', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER catalog_products_fts_insert AFTER INSERT ON catalog_products BEGIN "
    "INSERT INTO catalog_products_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER catalog_products_fts_delete AFTER DELETE ON catalog_products BEGIN "
    "INSERT INTO catalog_products_fts(catalog_products_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER catalog_products_fts_update AFTER UPDATE OF search_text ON catalog_products BEGIN "
    "INSERT INTO catalog_products_fts(catalog_products_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO catalog_products_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
]


def _normalise(*parts):
    return " ".join(p for p in parts if p).replace("\x00", "").casefold().replace("ё", "е")


def _backfill():
    conn = op.get_bind()
    rows = conn.execute(
        sa.text("SELECT id, name, article_number, code, barcodes FROM catalog_products")
    ).fetchall()
    values = [
        {"i": i, "s": _normalise(name, article, code, barcodes), "k": _normalise(name)[:500]}
        for i, name, article, code, barcodes in rows
    ]
    if values:
        conn.execute(
            sa.text("UPDATE catalog_products SET search_text = :s, name_key = :k WHERE id = :i"), values
        )


def upgrade():
    with op.batch_alter_table('catalog_states', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rules_version', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('decided_version', sa.Integer(), server_default='0', nullable=False))
    for table in ('catalog_stores', 'catalog_groups'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('content_hash', sa.String(length=32), nullable=True))
    with op.batch_alter_table('catalog_products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_key', NAME_KEY, server_default='', nullable=False))
        batch_op.add_column(sa.Column('content_hash', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('syncs', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('decision_code', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('decision_source', sa.String(length=255), nullable=True))
        batch_op.drop_index('ix_catalog_products_user_id_name')
    _backfill()
    for cols in SORT_INDEXES:
        op.create_index(f"ix_catalog_products_{'_'.join(cols)}", 'catalog_products', list(cols))
    op.create_index('ix_catalog_products_user_id_group_id', 'catalog_products', ['user_id', 'group_id'])
    op.create_index(
        'ix_catalog_products_user_id_syncs_name_key_id', 'catalog_products',
        ['user_id', 'syncs', 'name_key', 'id'],
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            "CREATE INDEX ix_catalog_products_search_trgm ON catalog_products "
            "USING gin (search_text gin_trgm_ops)"
        )
    else:
        for statement in SQLITE_FTS:
            op.execute(statement)
        op.execute("INSERT INTO catalog_products_fts(catalog_products_fts) VALUES ('rebuild')")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP INDEX IF EXISTS ix_catalog_products_search_trgm")
    else:
        for name in ('insert', 'delete', 'update'):
            op.execute(f"DROP TRIGGER IF EXISTS catalog_products_fts_{name}")
        op.execute("DROP TABLE IF EXISTS catalog_products_fts")
    op.drop_index('ix_catalog_products_user_id_syncs_name_key_id', table_name='catalog_products')
    op.drop_index('ix_catalog_products_user_id_group_id', table_name='catalog_products')
    for cols in SORT_INDEXES:
        op.drop_index(f"ix_catalog_products_{'_'.join(cols)}", table_name='catalog_products')
    with op.batch_alter_table('catalog_products', schema=None) as batch_op:
        batch_op.create_index('ix_catalog_products_user_id_name', ['user_id', 'name'], unique=False)
        for column in ('decision_source', 'decision_code', 'syncs', 'content_hash', 'name_key'):
            batch_op.drop_column(column)
    for table in ('catalog_groups', 'catalog_stores'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('content_hash')
    with op.batch_alter_table('catalog_states', schema=None) as batch_op:
        batch_op.drop_column('decided_version')
        batch_op.drop_column('rules_version')
