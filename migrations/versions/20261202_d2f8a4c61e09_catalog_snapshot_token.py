"""catalog states: a snapshot token that changes at every refresh and rule change

A process keeps the loaded parts of a catalog snapshot (stores, groups, rules, counts) under (user, token),
so a page reads one state row instead of four tables (docs/catalog.md). Existing rows start without a
token: nothing is kept for them until their next refresh or rule change.

Revision ID: d2f8a4c61e09
Revises: 685cd52ca930
Create Date: 2026-12-02 03:30:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd2f8a4c61e09'
down_revision = '685cd52ca930'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('catalog_states') as batch_op:
        batch_op.add_column(sa.Column('snapshot_token', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('catalog_states') as batch_op:
        batch_op.drop_column('snapshot_token')
