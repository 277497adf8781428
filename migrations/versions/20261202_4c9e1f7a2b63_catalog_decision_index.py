"""catalog products: the group index also holds the stored decision

A recompute checks, group by group, which products' stored decision differs from the engine's; with the
decision in the (user_id, group_id) index SQLite answers that from the index instead of reading every
product row (docs/catalog.md).

Revision ID: 4c9e1f7a2b63
Revises: 9c2f4e7a1b36
Create Date: 2026-12-02 00:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '4c9e1f7a2b63'
down_revision = '9c2f4e7a1b36'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_catalog_products_user_id_group_id_decision',
        'catalog_products',
        ['user_id', 'group_id', 'decision_code', 'decision_source'],
    )
    op.drop_index('ix_catalog_products_user_id_group_id', table_name='catalog_products')


def downgrade():
    op.create_index('ix_catalog_products_user_id_group_id', 'catalog_products', ['user_id', 'group_id'])
    op.drop_index('ix_catalog_products_user_id_group_id_decision', table_name='catalog_products')
