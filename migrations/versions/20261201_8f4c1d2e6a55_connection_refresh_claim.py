"""connection refresh claim

A token refresh claims its connection row for a bounded time and calls the provider with no database
lock held; other processes wait for its result instead of refreshing twice.

Revision ID: 8f4c1d2e6a55
Revises: 3b1e9a7c2d10
Create Date: 2026-12-01 21:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8f4c1d2e6a55'
down_revision = '3b1e9a7c2d10'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('connections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refresh_claimed_until', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('connections', schema=None) as batch_op:
        batch_op.drop_column('refresh_claimed_until')
