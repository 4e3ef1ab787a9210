"""The database tables (SQLAlchemy 2 typed ORM). API schemas live apart, in ``api/schemas``.

Timestamps are stored in UTC and always come back timezone-aware, on SQLite too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


Json = JSON().with_variant(JSONB(), "postgresql")
# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL wants 64 bits for results
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    type_annotation_map = {
        datetime: UtcDateTime(),
        dict[str, Any]: Json,
        list[str]: Json,
        list[dict[str, Any]]: Json,
    }


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


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


class WorkerHeartbeat(Base):
    """Each server process's last sign of life (written by the heartbeat job)."""

    __tablename__ = "worker_heartbeats"

    worker: Mapped[str] = mapped_column(String(200), primary_key=True)
    version: Mapped[str] = mapped_column(String(50))
    started_at: Mapped[datetime]
    last_seen: Mapped[datetime]


class JobLease(Base):
    """Who may run a singleton job until when, so N workers run it once."""

    __tablename__ = "job_leases"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime]


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


class FeedbackIssue(Base):
    """One GitHub issue for one fingerprint, written before the request that creates it;
    ``id`` is the marker in the issue body that a retry searches for."""

    __tablename__ = "feedback_issues"
    __table_args__ = (
        Index("ix_feedback_issues_due", "state", "next_attempt_at"),
        Index("ix_feedback_issues_fingerprint", "fingerprint", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    repository: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    labels: Mapped[list[str]]
    state: Mapped[str] = mapped_column(String(16))  # pending | created | failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    issue_number: Mapped[int | None]
    issue_url: Mapped[str | None] = mapped_column(String(500))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Feedback(Base):
    """A feedback report; ``issue_id`` joins it to the GitHub issue that carries it."""

    __tablename__ = "feedback"
    __table_args__ = (Index("ix_feedback_unsent", "issue_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(16))
    session_id: Mapped[str | None] = mapped_column(String(64))
    result_id: Mapped[str | None] = mapped_column(String(300))
    fingerprint: Mapped[str] = mapped_column(String(64))
    issue_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("feedback_issues.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(32))


class FeedbackAttachment(Base):
    """A file sent with a report: checked, size-limited, kept in the database (so every
    worker and host sees it), and only ever served back as a download."""

    __tablename__ = "feedback_attachments"

    pk: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    feedback_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("feedback.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
