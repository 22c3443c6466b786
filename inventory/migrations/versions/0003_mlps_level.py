"""等保 (MLPS) level on nodes and departments

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 12:45:00

NULL means unset: a node inherits its parent's level, at the top the
default level 3 applies (``security.network.mlps_levels``); a department inherits its site's or home
node's (docs/SECURITY.md).
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('nodes') as batch:
        batch.add_column(sa.Column('mlps_level', sa.Integer(), nullable=True))
    with op.batch_alter_table('departments') as batch:
        batch.add_column(sa.Column('mlps_level', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('departments') as batch:
        batch.drop_column('mlps_level')
    with op.batch_alter_table('nodes') as batch:
        batch.drop_column('mlps_level')
