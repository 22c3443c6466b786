"""provisioning coverage snapshots

Revision ID: p0003
Revises:
Create Date: 2026-12-07 12:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "p0003"
down_revision = "p0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "provisioning_coverage_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("grouping", sa.String(length=16), nullable=False),
        sa.Column("group_key", sa.String(length=64), nullable=False),
        sa.Column("group_name", sa.String(length=200), nullable=False),
        sa.Column("nodes_planned", sa.Integer(), nullable=False),
        sa.Column("nodes_connected", sa.Integer(), nullable=False),
        sa.Column("departments_planned", sa.Integer(), nullable=False),
        sa.Column("departments_connected", sa.Integer(), nullable=False),
        sa.Column("taken_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provisioning_coverage_snapshots")),
        sa.UniqueConstraint(
            "day", "grouping", "group_key", name="uq_provisioning_coverage_day_group"
        ),
    )
    op.create_index(
        op.f("ix_provisioning_coverage_snapshots_day"),
        "provisioning_coverage_snapshots",
        ["day"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_provisioning_coverage_snapshots_day"), table_name="provisioning_coverage_snapshots"
    )
    op.drop_table("provisioning_coverage_snapshots")
