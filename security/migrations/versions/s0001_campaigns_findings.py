"""security campaigns, runs, findings, syslog outbox

Revision ID: s0001
Revises:
Create Date: 2026-12-07 12:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "s0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "security_campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("checks", sa.Text(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("cron", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_campaigns")),
        sa.UniqueConstraint("name", name=op.f("uq_security_campaigns_name")),
    )
    op.create_table(
        "security_campaign_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resumed", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=300), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["security_campaigns.id"],
            name=op.f("fk_security_campaign_runs_campaign_id_security_campaigns"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_campaign_runs")),
    )
    op.create_index(
        op.f("ix_security_campaign_runs_campaign_id"), "security_campaign_runs", ["campaign_id"]
    )
    op.create_table(
        "security_run_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("check", sa.String(length=64), nullable=False),
        sa.Column("node", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("found", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["security_campaign_runs.id"],
            name=op.f("fk_security_run_targets_run_id_security_campaign_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_run_targets")),
    )
    op.create_index(op.f("ix_security_run_targets_run_id"), "security_run_targets", ["run_id"])
    op.create_index(
        "uq_security_run_targets", "security_run_targets", ["run_id", "check", "node"], unique=True
    )
    op.create_table(
        "security_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("node", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=500), nullable=False),
        sa.Column("department", sa.String(length=64), nullable=True),
        sa.Column("county", sa.String(length=64), nullable=True),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("fix", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("seen_count", sa.Integer(), nullable=False),
        sa.Column("reopened", sa.Integer(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_findings")),
    )
    op.create_index(
        "uq_security_findings_identity",
        "security_findings",
        ["check", "node", "key"],
        unique=True,
    )
    op.create_index("ix_security_findings_updated_at", "security_findings", ["updated_at"])
    op.create_index(op.f("ix_security_findings_department"), "security_findings", ["department"])
    op.create_index(op.f("ix_security_findings_county"), "security_findings", ["county"])
    op.create_index(op.f("ix_security_findings_state"), "security_findings", ["state"])
    op.create_table(
        "security_syslog_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("collector", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ref", sa.String(length=100), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_syslog_outbox")),
    )
    op.create_index(
        "ix_security_syslog_outbox_pending",
        "security_syslog_outbox",
        ["sent_at", "next_attempt_at"],
    )


def downgrade() -> None:
    op.drop_table("security_syslog_outbox")
    op.drop_table("security_findings")
    op.drop_table("security_run_targets")
    op.drop_table("security_campaign_runs")
    op.drop_table("security_campaigns")
