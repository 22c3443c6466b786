"""initial inventory schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-27 06:55:32.805795
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('credentials',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('ciphertext', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credentials')),
    sa.UniqueConstraint('name', name=op.f('uq_credentials_name'))
    )
    locks = op.create_table('locks',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_locks'))
    )
    op.bulk_insert(locks, [{'name': 'ipam'}])
    op.create_table('nodes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('network', sa.String(length=16), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('platform', sa.String(length=32), nullable=True),
    sa.Column('mgmt_address', sa.String(length=64), nullable=True),
    sa.Column('ssh_port', sa.Integer(), nullable=False),
    sa.Column('snmp_port', sa.Integer(), nullable=False),
    sa.Column('credential_ref', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['nodes.id'], name=op.f('fk_nodes_parent_id_nodes'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nodes')),
    sa.UniqueConstraint('code', name=op.f('uq_nodes_code'))
    )
    with op.batch_alter_table('nodes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nodes_parent_id'), ['parent_id'], unique=False)

    op.create_table('zones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('system', sa.String(length=200), nullable=True),
    sa.Column('rd', sa.String(length=32), nullable=True),
    sa.Column('import_targets', sa.Text(), nullable=False),
    sa.Column('export_targets', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_zones')),
    sa.UniqueConstraint('code', name=op.f('uq_zones_code')),
    sa.UniqueConstraint('rd', name=op.f('uq_zones_rd'))
    )
    op.create_table('departments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('home_node_id', sa.Integer(), nullable=False),
    sa.Column('site_node_id', sa.Integer(), nullable=True),
    sa.Column('uses_public', sa.Boolean(), nullable=False),
    sa.Column('private_zone_id', sa.Integer(), nullable=True),
    sa.Column('internet', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['home_node_id'], ['nodes.id'], name=op.f('fk_departments_home_node_id_nodes'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['private_zone_id'], ['zones.id'], name=op.f('fk_departments_private_zone_id_zones'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['site_node_id'], ['nodes.id'], name=op.f('fk_departments_site_node_id_nodes'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_departments')),
    sa.UniqueConstraint('code', name=op.f('uq_departments_code'))
    )
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_departments_home_node_id'), ['home_node_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_departments_site_node_id'), ['site_node_id'], unique=False)

    op.create_table('links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('a_node_id', sa.Integer(), nullable=False),
    sa.Column('a_interface', sa.String(length=64), nullable=False),
    sa.Column('b_node_id', sa.Integer(), nullable=False),
    sa.Column('b_interface', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('bandwidth_mbps', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['a_node_id'], ['nodes.id'], name=op.f('fk_links_a_node_id_nodes'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['b_node_id'], ['nodes.id'], name=op.f('fk_links_b_node_id_nodes'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_links')),
    sa.UniqueConstraint('a_node_id', 'a_interface', name='uq_links_a_end'),
    sa.UniqueConstraint('b_node_id', 'b_interface', name='uq_links_b_end')
    )
    with op.batch_alter_table('links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_links_b_node_id'), ['b_node_id'], unique=False)

    op.create_table('route_distinguishers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('value', sa.String(length=32), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('node_id', sa.Integer(), nullable=True),
    sa.Column('zone_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['node_id'], ['nodes.id'], name=op.f('fk_route_distinguishers_node_id_nodes'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_route_distinguishers_zone_id_zones'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_route_distinguishers')),
    sa.UniqueConstraint('value', name=op.f('uq_route_distinguishers_value'))
    )
    op.create_table('prefixes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('prefix', sa.String(length=64), nullable=False),
    sa.Column('first', sa.BigInteger(), nullable=False),
    sa.Column('last', sa.BigInteger(), nullable=False),
    sa.Column('is_pool', sa.Boolean(), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('node_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('link_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_prefixes_department_id_departments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['link_id'], ['links.id'], name=op.f('fk_prefixes_link_id_links'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['node_id'], ['nodes.id'], name=op.f('fk_prefixes_node_id_nodes'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['parent_id'], ['prefixes.id'], name=op.f('fk_prefixes_parent_id_prefixes'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prefixes')),
    sa.UniqueConstraint('prefix', name=op.f('uq_prefixes_prefix'))
    )
    with op.batch_alter_table('prefixes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prefixes_node_id'), ['node_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_prefixes_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index('ix_prefixes_range', ['first', 'last'], unique=False)

    op.create_table('vlans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('node_id', sa.Integer(), nullable=False),
    sa.Column('vid', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_vlans_department_id_departments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['node_id'], ['nodes.id'], name=op.f('fk_vlans_node_id_nodes'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vlans')),
    sa.UniqueConstraint('node_id', 'vid', name='uq_vlans_node_vid')
    )


def downgrade() -> None:
    op.drop_table('vlans')
    with op.batch_alter_table('prefixes', schema=None) as batch_op:
        batch_op.drop_index('ix_prefixes_range')
        batch_op.drop_index(batch_op.f('ix_prefixes_parent_id'))
        batch_op.drop_index(batch_op.f('ix_prefixes_node_id'))

    op.drop_table('prefixes')
    op.drop_table('route_distinguishers')
    with op.batch_alter_table('links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_links_b_node_id'))

    op.drop_table('links')
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_departments_site_node_id'))
        batch_op.drop_index(batch_op.f('ix_departments_home_node_id'))

    op.drop_table('departments')
    op.drop_table('zones')
    with op.batch_alter_table('nodes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nodes_parent_id'))

    op.drop_table('nodes')
    op.drop_table('locks')
    op.drop_table('credentials')
