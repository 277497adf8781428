"""catalog products: (user_id, id) index

The CSV export streams a user's products in id order; this index walks them in that order without
sorting 100,000 rows first.

Revision ID: e7a1c3b5d902
Revises: c4d2a8e61f37
Create Date: 2026-12-01 23:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e7a1c3b5d902'
down_revision = 'c4d2a8e61f37'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_catalog_products_user_id_id', 'catalog_products', ['user_id', 'id'])


def downgrade():
    op.drop_index('ix_catalog_products_user_id_id', table_name='catalog_products')
