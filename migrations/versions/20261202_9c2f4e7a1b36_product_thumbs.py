"""product thumbs

The stored thumbnails of the products' Evotor images, fetched in the background after a catalog refresh
(docs/ui.md, «Thumbnails»).

Revision ID: 9c2f4e7a1b36
Revises: 3b7e5c1d9a20
Create Date: 2026-12-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9c2f4e7a1b36'
down_revision = '3b7e5c1d9a20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('product_thumbs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.String(length=255), nullable=False),
    sa.Column('product_hash', sa.String(length=32), nullable=True),
    sa.Column('data', sa.LargeBinary(), nullable=True),
    sa.Column('etag', sa.String(length=40), nullable=True),
    sa.Column('note', sa.String(length=64), nullable=True),
    sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_product_thumbs_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_thumbs')),
    sa.UniqueConstraint('user_id', 'product_id', name='uq_product_thumbs_user_id_product_id')
    )


def downgrade():
    op.drop_table('product_thumbs')
