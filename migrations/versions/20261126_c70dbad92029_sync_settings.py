"""sync settings

One row per user: price multiplier, VK category, placeholder image, leave action, stock flag,
the engine's pause state, when the rules last changed and the rules as confirmed (issue 6).

Revision ID: c70dbad92029
Revises: f48394101347
Create Date: 2026-11-26 22:52:27.119904

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c70dbad92029'
down_revision = 'f48394101347'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sync_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('price_multiplier', sa.Numeric(precision=10, scale=2), server_default='1.00', nullable=False),
    sa.Column('vk_category_id', sa.Integer(), nullable=True),
    sa.Column('placeholder_image', sa.LargeBinary(), nullable=True),
    sa.Column('placeholder_mime', sa.String(length=32), nullable=True),
    sa.Column('leave_action', sa.String(length=16), server_default='hide', nullable=False),
    sa.Column('send_stock', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('paused_code', sa.String(length=32), nullable=True),
    sa.Column('paused_reason', sa.String(length=500), nullable=True),
    sa.Column('paused_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rules_changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_rules', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("leave_action IN ('hide', 'delete')", name=op.f('ck_sync_settings_leave_action')),
    sa.CheckConstraint('price_multiplier > 0', name=op.f('ck_sync_settings_price_multiplier_positive')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sync_settings_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_settings')),
    sa.UniqueConstraint('user_id', name=op.f('uq_sync_settings_user_id'))
    )


def downgrade():
    op.drop_table('sync_settings')
