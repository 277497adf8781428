"""rule set stamps

The "rules changed" time moves from sync_settings to a table of the rules package, so the rules own every
row they write. Existing stamps are copied over.

Revision ID: 3b1e9a7c2d10
Revises: 00cc113e07ca
Create Date: 2026-12-01 21:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3b1e9a7c2d10'
down_revision = '00cc113e07ca'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rule_set_stamps',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_rule_set_stamps_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_rule_set_stamps'))
    )
    op.execute(
        "INSERT INTO rule_set_stamps (user_id, changed_at) "
        "SELECT user_id, rules_changed_at FROM sync_settings WHERE rules_changed_at IS NOT NULL"
    )
    with op.batch_alter_table('sync_settings', schema=None) as batch_op:
        batch_op.drop_column('rules_changed_at')


def downgrade():
    with op.batch_alter_table('sync_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rules_changed_at', sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE sync_settings SET rules_changed_at = "
        "(SELECT changed_at FROM rule_set_stamps WHERE rule_set_stamps.user_id = sync_settings.user_id)"
    )
    op.drop_table('rule_set_stamps')
