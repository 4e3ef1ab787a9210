"""results.failures: a FAILED result's failures as data (part, subject, seen, wanted, text)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05

Self-contained on purpose: later changes to ``tables.py`` must not change what this did.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("results") as batch:
        batch.add_column(sa.Column("failures", JSON, nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("results") as batch:
        batch.drop_column("failures")
