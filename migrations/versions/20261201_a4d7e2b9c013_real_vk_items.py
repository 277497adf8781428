"""real VK items: stock mode, group categories, name-guess overrides, create intent time

``sync_settings.send_stock`` becomes ``stock_mode``: existing users keep what they had (send_stock on →
'evotor', off → 'none'); new users get 'none' («не передавать остатки»).

Revision ID: a4d7e2b9c013
Revises: 5d7e2a9b4c31
Create Date: 2026-12-01 23:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4d7e2b9c013'
down_revision = '5d7e2a9b4c31'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sync_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stock_mode', sa.String(length=16), server_default='none', nullable=False))
        batch_op.add_column(sa.Column('stock_threshold', sa.Integer(), server_default='0', nullable=False))
    op.execute("UPDATE sync_settings SET stock_mode = CASE WHEN send_stock THEN 'evotor' ELSE 'none' END")
    with op.batch_alter_table('sync_settings', schema=None) as batch_op:
        batch_op.drop_column('send_stock')
        batch_op.create_check_constraint(
            op.f('ck_sync_settings_stock_mode'), "stock_mode IN ('none', 'evotor', 'hide')"
        )
    with op.batch_alter_table('sync_vk_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('intent_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table('sync_group_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.String(length=255), nullable=False),
    sa.Column('vk_category_id', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sync_group_categories_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_group_categories')),
    sa.UniqueConstraint('user_id', 'group_id', name='uq_sync_group_categories_user_id_group_id')
    )
    op.create_table('goods_name_overrides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_goods_name_overrides_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_goods_name_overrides')),
    sa.UniqueConstraint('user_id', 'product_id', name='uq_goods_name_overrides_user_id_product_id')
    )


def downgrade():
    op.drop_table('goods_name_overrides')
    op.drop_table('sync_group_categories')
    with op.batch_alter_table('sync_vk_items', schema=None) as batch_op:
        batch_op.drop_column('intent_at')
    with op.batch_alter_table('sync_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('send_stock', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.execute("UPDATE sync_settings SET send_stock = (stock_mode = 'evotor')")
    with op.batch_alter_table('sync_settings', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_sync_settings_stock_mode'), type_='check')
        batch_op.drop_column('stock_threshold')
        batch_op.drop_column('stock_mode')
