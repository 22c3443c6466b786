"""alarm acknowledgement (who and when)

Revision ID: m0002
Revises: m0001
Create Date: 2026-12-07 09:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "m0002"
down_revision = "m0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("monitoring_alarms") as batch:
        batch.add_column(sa.Column("acknowledged_by", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("monitoring_alarms") as batch:
        batch.drop_column("acknowledged_at")
        batch.drop_column("acknowledged_by")
