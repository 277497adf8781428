"""removal guard

A run that would remove a large part of a shop holds the removals until the merchant approves them:
per-user threshold, the held set and the approved set on sync_settings; run status «held».

Revision ID: c4d2a8e61f37
Revises: 5d2a9c7e41b8
Create Date: 2026-12-01 22:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d2a8e61f37'
down_revision = '5d2a9c7e41b8'
branch_labels = None
depends_on = None

OLD = "status IN ('running', 'succeeded', 'partial', 'failed', 'skipped')"
NEW = "status IN ('running', 'succeeded', 'partial', 'failed', 'skipped', 'held')"


def upgrade():
    with op.batch_alter_table('sync_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('removal_threshold_percent', sa.Integer(), server_default='30', nullable=False))
        batch_op.add_column(sa.Column('held_removal', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('held_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('removal_approved', sa.Text(), nullable=True))
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_sync_runs_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_sync_runs_status'), NEW)


def downgrade():
    op.execute("UPDATE sync_runs SET status = 'partial' WHERE status = 'held'")
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_sync_runs_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_sync_runs_status'), OLD)
    with op.batch_alter_table('sync_settings', schema=None) as batch_op:
        batch_op.drop_column('removal_approved')
        batch_op.drop_column('held_at')
        batch_op.drop_column('held_removal')
        batch_op.drop_column('removal_threshold_percent')
