"""Feedback reports: stored with their attachments in one transaction, read back with the
state of the GitHub issue that carries them."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from assay.server.db.tables import utcnow
from assay.server.feedback.attachments import Attachment
from assay.server.feedback.tables import Feedback, FeedbackAttachment, FeedbackIssue


def fingerprint(title: str, description: str) -> str:
    """Identical reports (ignoring case and spacing) have one fingerprint."""
    text = "\n".join(" ".join(part.lower().split()) for part in (title, description))
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class NewReport:
    title: str
    description: str
    severity: str
    session_id: str | None
    result_id: str | None
    attachments: list[Attachment]


def create(session: Session, report: NewReport, token_id: str) -> Feedback:
    """Store a report and its attachments; GitHub comes later (the delivery job)."""
    row = Feedback(
        id=uuid.uuid4().hex,
        title=report.title,
        description=report.description,
        severity=report.severity,
        session_id=report.session_id,
        result_id=report.result_id,
        fingerprint=fingerprint(report.title, report.description),
        issue_id=None,
        created_at=utcnow(),
        created_by=token_id,
    )
    session.add(row)
    session.flush()
    for position, item in enumerate(report.attachments, 1):
        session.add(
            FeedbackAttachment(
                feedback_id=row.id,
                position=position,
                filename=item.filename,
                content_type=item.content_type,
                size=item.size,
                sha256=item.sha256,
                content=item.content,
            )
        )
    return row


@dataclass(frozen=True)
class AttachmentInfo:
    position: int
    filename: str
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Report:
    """A report as the API shows it."""

    row: Feedback
    issue: FeedbackIssue | None
    first_report: str | None  # the report that opened the issue this one joined
    attachments: list[AttachmentInfo]


def attachment_infos(session: Session, feedback_id: str) -> list[AttachmentInfo]:
    """The attachments' descriptions, without loading their content."""
    rows = session.execute(
        select(
            FeedbackAttachment.position,
            FeedbackAttachment.filename,
            FeedbackAttachment.content_type,
            FeedbackAttachment.size,
            FeedbackAttachment.sha256,
        )
        .where(FeedbackAttachment.feedback_id == feedback_id)
        .order_by(FeedbackAttachment.position)
    )
    return [AttachmentInfo(*r) for r in rows]


def read(session: Session, feedback_id: str) -> Report | None:
    row = session.get(Feedback, feedback_id)
    if row is None:
        return None
    issue = session.get(FeedbackIssue, row.issue_id) if row.issue_id else None
    first = None
    if issue is not None:
        first = session.scalar(
            select(Feedback.id)
            .where(Feedback.issue_id == issue.id)
            .order_by(Feedback.created_at, Feedback.id)
            .limit(1)
        )
    return Report(row, issue, first, attachment_infos(session, feedback_id))


def attachment(session: Session, feedback_id: str, position: int) -> FeedbackAttachment | None:
    return session.scalar(
        select(FeedbackAttachment).where(
            FeedbackAttachment.feedback_id == feedback_id,
            FeedbackAttachment.position == position,
        )
    )
