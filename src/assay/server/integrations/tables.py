"""The integrations feature's tables: each integration's latest status, and its check history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assay.server.db.tables import Base, BigId


class IntegrationState(Base):
    """An integration's latest status (its definition lives in the integrations file)."""

    __tablename__ = "integrations"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="unknown")
    status_since: Mapped[datetime | None]
    checked_at: Mapped[datetime | None]
    message: Mapped[str] = mapped_column(Text, default="")
    failed_conditions: Mapped[list[str]] = mapped_column(default=list)
    duration_ms: Mapped[float | None] = mapped_column(Float)
    checks: Mapped[int] = mapped_column(default=0)


class IntegrationCheck(Base):
    """One check of an integration: the history behind its status."""

    __tablename__ = "integration_checks"
    __table_args__ = (Index("ix_integration_checks_name_pk", "integration", "pk"),)

    pk: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    integration: Mapped[str] = mapped_column(
        String(100), ForeignKey("integrations.name", ondelete="CASCADE")
    )
    status: Mapped[str] = mapped_column(String(16))
    checked_at: Mapped[datetime] = mapped_column(index=True)
    duration_ms: Mapped[float] = mapped_column(Float)
    message: Mapped[str] = mapped_column(Text)
    failed_conditions: Mapped[list[str]]
    http_status: Mapped[int | None]
    trigger: Mapped[str] = mapped_column(String(16))  # schedule | manual
    worker: Mapped[str] = mapped_column(String(200))
