"""monitors: definitions, states, runs, roll-ups, incidents, the alert outbox, maintenance

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05

Self-contained on purpose: later changes to the tables must not change what this did.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
WHEN = sa.DateTime(timezone=True)
BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
NAME = sa.String(100)


def upgrade() -> None:
    op.create_table(
        "monitors",
        sa.Column("name", NAME, primary_key=True),
        sa.Column("spec", JSON, nullable=False),
        sa.Column("origin", sa.String(8), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("run_requested_at", WHEN, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
    )
    op.create_index("ix_monitors_updated_at", "monitors", ["updated_at"])
    op.create_table(
        "monitor_states",
        sa.Column(
            "name", NAME, sa.ForeignKey("monitors.name", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("since", WHEN, nullable=True),
        sa.Column("failing", sa.Integer(), nullable=False),
        sa.Column("passing", sa.Integer(), nullable=False),
        sa.Column("recent", JSON, nullable=False),
        sa.Column("changes", JSON, nullable=False),
        sa.Column("flapping", sa.Boolean(), nullable=False),
        sa.Column("incident", sa.String(64), nullable=True),
        sa.Column("last_run_at", WHEN, nullable=True),
        sa.Column("last_verdict", sa.String(16), nullable=True),
        sa.Column("last_message", sa.Text(), nullable=False),
        sa.Column("last_duration_ms", sa.Float(), nullable=True),
        sa.Column("last_failures", JSON, nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False),
    )
    op.create_table(
        "monitor_runs",
        sa.Column("pk", BIGID, primary_key=True, autoincrement=True),
        sa.Column("monitor", NAME, nullable=False),
        sa.Column("started_at", WHEN, nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("maintenance", sa.Boolean(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("failures", JSON, nullable=False),
        sa.Column("region", sa.String(50), nullable=False),
    )
    op.create_index("ix_monitor_runs_name_started", "monitor_runs", ["monitor", "started_at"])
    op.create_index("ix_monitor_runs_started_at", "monitor_runs", ["started_at"])
    op.create_table(
        "monitor_rollups",
        sa.Column("monitor", NAME, primary_key=True),
        sa.Column("resolution", sa.String(8), primary_key=True),
        sa.Column("bucket", WHEN, primary_key=True),
        sa.Column("up", sa.Integer(), nullable=False),
        sa.Column("degraded", sa.Integer(), nullable=False),
        sa.Column("down", sa.Integer(), nullable=False),
        sa.Column("maintenance", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("sketch", JSON, nullable=False),
    )
    op.create_table(
        "monitor_incidents",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("monitor", NAME, nullable=False),
        sa.Column("started_at", WHEN, nullable=False),
        sa.Column("ended_at", WHEN, nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("acknowledged_at", WHEN, nullable=True),
        sa.Column("acknowledged_by", sa.String(200), nullable=True),
    )
    op.create_index("ix_monitor_incidents_name_start", "monitor_incidents",
                    ["monitor", "started_at"])  # fmt: skip
    op.create_table(
        "monitor_alerts",
        sa.Column("key", sa.String(400), primary_key=True),
        sa.Column("monitor", NAME, nullable=False),
        sa.Column("incident", sa.String(64), nullable=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("provider", sa.String(100), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("due_at", WHEN, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", WHEN, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("message", JSON, nullable=False),
    )
    op.create_index("ix_monitor_alerts_monitor", "monitor_alerts", ["monitor"])
    op.create_index("ix_monitor_alerts_created_at", "monitor_alerts", ["created_at"])
    op.create_index("ix_monitor_alerts_pending", "monitor_alerts", ["sent_at", "due_at"])
    op.create_table(
        "maintenance_windows",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("spec", JSON, nullable=False),
        sa.Column("origin", sa.String(8), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("ends_at", WHEN, nullable=True),
    )
    op.create_index("ix_maintenance_windows_ends_at", "maintenance_windows", ["ends_at"])


def downgrade() -> None:
    for table in ("maintenance_windows", "monitor_alerts", "monitor_incidents",
                  "monitor_rollups", "monitor_runs", "monitor_states", "monitors"):  # fmt: skip
        op.drop_table(table)
