"""monitoring alarms

Revision ID: m0001
Revises:
Create Date: 2026-12-01 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "m0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "monitoring_alarms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("object_kind", sa.String(length=16), nullable=False),
        sa.Column("object_key", sa.String(length=300), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("node", sa.String(length=64), nullable=False),
        sa.Column("interface", sa.String(length=64), nullable=True),
        sa.Column("link", sa.String(length=300), nullable=True),
        sa.Column("departments", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_alarms")),
    )
    op.create_index(
        "uq_monitoring_alarms_open",
        "monitoring_alarms",
        ["rule", "object_key"],
        unique=True,
        sqlite_where=sa.text("ended_at IS NULL"),
        postgresql_where=sa.text("ended_at IS NULL"),
    )
    op.create_index(
        "ix_monitoring_alarms_started_at", "monitoring_alarms", ["started_at"], unique=False
    )
    op.create_index(op.f("ix_monitoring_alarms_node"), "monitoring_alarms", ["node"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_monitoring_alarms_node"), table_name="monitoring_alarms")
    op.drop_index("ix_monitoring_alarms_started_at", table_name="monitoring_alarms")
    op.drop_index("uq_monitoring_alarms_open", table_name="monitoring_alarms")
    op.drop_table("monitoring_alarms")
