"""user time zone, rule undo

Each user gets the time zone their pages show times in (Moscow by default), and a one-row table keeps the
rule set as it was before their last catalog change, for «Отменить».

Revision ID: 5d7e2a9b4c31
Revises: c4d2a8e61f37
Create Date: 2026-12-01 23:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d7e2a9b4c31'
down_revision = 'c4d2a8e61f37'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), server_default='Europe/Moscow', nullable=False))
    op.create_table('rule_undo',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('rules', sa.JSON(), nullable=False),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_rule_undo_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_rule_undo'))
    )


def downgrade():
    op.drop_table('rule_undo')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('timezone')
