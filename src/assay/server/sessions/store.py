"""Sessions: create (idempotent by client id), read, list with filters, patch."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.orm import Session

from assay.server.api.models import without_nul
from assay.server.db.tables import utcnow
from assay.server.sessions.schemas import SessionCreate, SessionOut, SessionPatch, Summary
from assay.server.sessions.tables import RunSession

Q = TypeVar("Q", bound=Select[Any])


def to_out(row: RunSession) -> SessionOut:
    return SessionOut(
        id=row.id,
        name=row.name,
        environment=row.environment,
        suites=list(row.suites),
        status=row.status,
        labels=dict(row.labels),
        started_at=row.started_at,
        finished_at=row.finished_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
        created_by=row.created_by,
        summary=summary(row),
    )


def summary(row: RunSession) -> Summary:
    return Summary(
        passed=row.passed,
        failed=row.failed,
        error=row.error,
        skipped=row.skipped,
        total=row.total,
    )


def get(db: Session, session_id: str, for_update: bool = False) -> RunSession | None:
    """The session's row, or None; ``for_update`` locks it for a change (PostgreSQL)."""
    return db.get(RunSession, session_id, with_for_update=for_update)


def exists(db: Session, session_id: str) -> bool:
    return db.get(RunSession, session_id) is not None


def current_summary(db: Session, session_id: str) -> Summary:
    """The session's counts as they are now in the database (after an upload's updates)."""
    return summary(db.get_one(RunSession, session_id, populate_existing=True))


def create(db: Session, body: SessionCreate, token_id: str) -> tuple[RunSession, bool]:
    """The new session and True, or the existing one with that client id and False."""
    if body.id is not None:
        existing = db.get(RunSession, body.id)
        if existing is not None:
            return existing, False
    now = utcnow()
    finished = body.finished_at
    if finished is None and body.status.finished:
        finished = now
    row = RunSession(
        id=body.id or uuid.uuid4().hex,
        name=body.name,
        environment=body.environment,
        suites=list(body.suites),
        status=str(body.status),
        labels=dict(body.labels),
        started_at=body.started_at or now,
        finished_at=finished,
        created_at=now,
        updated_at=now,
        created_by=token_id,
        passed=0,
        failed=0,
        error=0,
        skipped=0,
        total=0,
    )
    db.add(row)
    db.flush()
    return row, True


def patch(row: RunSession, body: SessionPatch) -> RunSession:
    """Apply the given fields; finishing a session without ``finished_at`` stamps it now."""
    changes = body.model_dump(exclude_unset=True)
    for name, value in changes.items():
        setattr(row, name, str(value) if name == "status" else value)
    if body.status is not None and body.status.finished and row.finished_at is None:
        row.finished_at = utcnow()
    row.updated_at = utcnow()
    return row


@dataclass
class SessionFilter:
    status: list[str] = field(default_factory=list)
    environment: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    created_after: datetime | None = None
    created_before: datetime | None = None

    def apply(self, query: Q) -> Q:
        if self.status:
            query = query.where(RunSession.status.in_(self.status))
        if self.environment is not None:
            query = query.where(RunSession.environment == without_nul(self.environment))
        for key, value in without_nul(self.labels).items():
            query = query.where(RunSession.labels[key].as_string() == value)
        if self.created_after is not None:
            query = query.where(RunSession.created_at >= self.created_after)
        if self.created_before is not None:
            query = query.where(RunSession.created_at < self.created_before)
        return query


def page(
    db: Session, flt: SessionFilter, limit: int, after: tuple[datetime, str] | None
) -> tuple[list[RunSession], int, bool]:
    """Newest first: (rows, total matching the filter, whether more follow)."""
    query = flt.apply(select(RunSession))
    total = db.scalar(flt.apply(select(func.count()).select_from(RunSession))) or 0
    if after is not None:
        query = query.where(tuple_(RunSession.created_at, RunSession.id) < after)
    query = query.order_by(RunSession.created_at.desc(), RunSession.id.desc()).limit(limit + 1)
    rows: list[RunSession] = list(db.scalars(query))
    return rows[:limit], total, len(rows) > limit
