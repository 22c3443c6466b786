"""provisioning changes: changes, their devices, their events

Revision ID: p0004
Revises: p0003
Create Date: 2026-12-07 16:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "p0004"
down_revision = "p0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "provisioning_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("author", sa.String(length=128), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("approver", sa.String(length=128), nullable=True),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provisioning_changes")),
    )
    op.create_index(
        op.f("ix_provisioning_changes_state"), "provisioning_changes", ["state"], unique=False
    )
    op.create_table(
        "provisioning_change_devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("node", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("intended", sa.Text(), nullable=False),
        sa.Column("running", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("diff", sa.JSON(), nullable=False),
        sa.Column("commands", sa.JSON(), nullable=False),
        sa.Column("rollback", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["provisioning_changes.id"],
            name=op.f("fk_provisioning_change_devices_change_id_provisioning_changes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provisioning_change_devices")),
        sa.UniqueConstraint(
            "change_id", "node", name=op.f("uq_provisioning_change_devices_change_id")
        ),
    )
    op.create_index(
        op.f("ix_provisioning_change_devices_change_id"),
        "provisioning_change_devices",
        ["change_id"],
        unique=False,
    )
    op.create_table(
        "provisioning_change_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("node", sa.String(length=64), nullable=True),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["provisioning_changes.id"],
            name=op.f("fk_provisioning_change_events_change_id_provisioning_changes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provisioning_change_events")),
    )
    op.create_index(
        op.f("ix_provisioning_change_events_change_id"),
        "provisioning_change_events",
        ["change_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_provisioning_change_events_change_id"), table_name="provisioning_change_events"
    )
    op.drop_table("provisioning_change_events")
    op.drop_index(
        op.f("ix_provisioning_change_devices_change_id"), table_name="provisioning_change_devices"
    )
    op.drop_table("provisioning_change_devices")
    op.drop_index(op.f("ix_provisioning_changes_state"), table_name="provisioning_changes")
    op.drop_table("provisioning_changes")
