"""integrations (status and check history), feedback reports, attachments, GitHub issues

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

Self-contained on purpose: later changes to ``tables.py`` must not change what this did.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
WHEN = sa.DateTime(timezone=True)
BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "integrations",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_since", WHEN, nullable=True),
        sa.Column("checked_at", WHEN, nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("failed_conditions", JSON, nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=True),
        sa.Column("checks", sa.Integer(), nullable=False),
    )
    op.create_table(
        "integration_checks",
        sa.Column("pk", BIGID, primary_key=True, autoincrement=True),
        sa.Column(
            "integration",
            sa.String(100),
            sa.ForeignKey("integrations.name", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("checked_at", WHEN, nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("failed_conditions", JSON, nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("worker", sa.String(200), nullable=False),
    )
    op.create_index("ix_integration_checks_name_pk", "integration_checks", ["integration", "pk"])
    op.create_index("ix_integration_checks_checked_at", "integration_checks", ["checked_at"])
    op.create_table(
        "feedback_issues",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("repository", sa.String(200), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("labels", JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", WHEN, nullable=True),
        sa.Column("issue_number", sa.Integer(), nullable=True),
        sa.Column("issue_url", sa.String(500), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
    )
    op.create_index("ix_feedback_issues_due", "feedback_issues", ["state", "next_attempt_at"])
    op.create_index(
        "ix_feedback_issues_fingerprint", "feedback_issues", ["fingerprint", "created_at"]
    )
    op.create_table(
        "feedback",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("session_id", sa.String(64), nullable=True),
        sa.Column("result_id", sa.String(300), nullable=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column(
            "issue_id",
            sa.String(32),
            sa.ForeignKey("feedback_issues.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("created_by", sa.String(32), nullable=True),
    )
    op.create_index("ix_feedback_unsent", "feedback", ["issue_id", "created_at"])
    op.create_table(
        "feedback_attachments",
        sa.Column("pk", BIGID, primary_key=True, autoincrement=True),
        sa.Column(
            "feedback_id",
            sa.String(32),
            sa.ForeignKey("feedback.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_feedback_attachments_feedback_id", "feedback_attachments", ["feedback_id"])


def downgrade() -> None:
    op.drop_table("feedback_attachments")
    op.drop_table("feedback")
    op.drop_table("feedback_issues")
    op.drop_table("integration_checks")
    op.drop_table("integrations")
