"""The feedback feature's tables: reports, their attachments and
the GitHub issues that carry them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assay.server.db.tables import Base, BigId, utcnow


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
