"""catalog products: (user_id, id) index

The CSV export streams a user's products in id order; this index walks them in that order without
sorting 100,000 rows first.

Revision ID: e7a1c3b5d902
Revises: a4d7e2b9c013
Create Date: 2026-12-01 23:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e7a1c3b5d902'
down_revision = 'a4d7e2b9c013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_catalog_products_user_id_id', 'catalog_products', ['user_id', 'id'])


def downgrade():
    op.drop_index('ix_catalog_products_user_id_id', table_name='catalog_products')
