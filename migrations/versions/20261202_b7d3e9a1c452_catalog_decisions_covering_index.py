"""catalog products: a covering index for every product's stored decision

The sync reads every product's stored decision grouped by decision; with (user_id, decision_code,
decision_source, evotor_id) in one index both databases answer it from the index alone (docs/catalog.md).

Revision ID: b7d3e9a1c452
Revises: 4c9e1f7a2b63
Create Date: 2026-12-02 03:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b7d3e9a1c452'
down_revision = '4c9e1f7a2b63'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_catalog_products_user_id_decision_evotor_id',
        'catalog_products',
        ['user_id', 'decision_code', 'decision_source', 'evotor_id'],
    )


def downgrade():
    op.drop_index('ix_catalog_products_user_id_decision_evotor_id', table_name='catalog_products')
