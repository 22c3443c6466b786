"""provisioning configuration backups

Revision ID: p0002
Revises:
Create Date: 2026-12-07 12:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "p0002"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "provisioning_config_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("node", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("ciphertext", sa.Text(), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provisioning_config_versions")),
        sa.UniqueConstraint("node", "version", name=op.f("uq_provisioning_config_versions_node")),
    )
    op.create_index(
        op.f("ix_provisioning_config_versions_node"),
        "provisioning_config_versions",
        ["node"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_provisioning_config_versions_node"), table_name="provisioning_config_versions"
    )
    op.drop_table("provisioning_config_versions")
