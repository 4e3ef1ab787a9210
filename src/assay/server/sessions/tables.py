"""The sessions feature's tables: sessions and the results uploaded into them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from assay.server.db.tables import Base, BigId, utcnow


class RunSession(Base):
    """One run of one or more suites against an environment (``session`` in the API)."""

    __tablename__ = "sessions"
    __table_args__ = (Index("ix_sessions_created", "created_at", "id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    environment: Mapped[str] = mapped_column(String(100), index=True)
    suites: Mapped[list[str]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(16), index=True)
    labels: Mapped[dict[str, Any]] = mapped_column(default=dict)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(32))
    # summary counts, changed only in the transaction that inserts results
    passed: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    error: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)


class Result(Base):
    """One step's outcome; ``result_id`` is the client's id, unique within a session."""

    __tablename__ = "results"
    __table_args__ = (
        UniqueConstraint("session_id", "result_id", name="uq_results_session_result"),
        Index("ix_results_session_pk", "session_id", "pk"),
    )

    pk: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("sessions.id", ondelete="CASCADE")
    )
    result_id: Mapped[str] = mapped_column(String(300))
    group: Mapped[str] = mapped_column("group_name", String(300))
    phase: Mapped[str] = mapped_column(String(16))
    index: Mapped[int] = mapped_column("step_index", Integer)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    duration: Mapped[float] = mapped_column(Float)
    attempts: Mapped[int]
    message: Mapped[str] = mapped_column(Text)
    target: Mapped[str] = mapped_column(String(200))
    credential: Mapped[str] = mapped_column(String(200))
    error_code: Mapped[str | None] = mapped_column(String(200))
    http_status: Mapped[int | None]
    started_at: Mapped[datetime | None]
    suite: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]]
    failures: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
