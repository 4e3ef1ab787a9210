"""Feedback reports with attachments, delivered as GitHub issues by a background job.

The public face other features use: ``file_report`` (a report written as if posted to
``/api/v1/feedback``; the delivery job turns it into a GitHub issue).
"""

from __future__ import annotations

from assay.server.db import Database


def file_report(db: Database, title: str, description: str, severity: str, by: str) -> str:
    """Store a report without attachments; its id. Identical reports within the dedupe
    window join one GitHub issue, as posted ones do."""
    from assay.server.feedback.store import NewReport, create

    with db.write() as session:
        row = create(session, NewReport(title, description, severity, None, None, []), by)
        return row.id


__all__ = ["file_report"]
