"""Integration status and history: one row of latest state per integration, one row per
check, written in one transaction so the two always agree."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from assay.server.db import Database
from assay.server.db.tables import utcnow
from assay.server.integrations.check import Health, Outcome
from assay.server.integrations.tables import IntegrationCheck, IntegrationState


def ensure(db: Database, names: list[str]) -> None:
    """A state row (``unknown``) for every configured integration that has none yet."""
    if not names:
        return
    with db.write() as session:
        known = set(
            session.scalars(select(IntegrationState.name).where(IntegrationState.name.in_(names)))
        )
        for name in names:
            if name not in known:
                session.add(IntegrationState(name=name, status=str(Health.UNKNOWN)))


def record(
    db: Database, name: str, outcome: Outcome, trigger: str, worker: str
) -> IntegrationState:
    """Store one check and bring the integration's state up to date; returns the state."""
    now = utcnow()
    with db.write() as session:
        state = session.get(IntegrationState, name, with_for_update=True)
        if state is None:
            state = IntegrationState(name=name, status=str(Health.UNKNOWN), checks=0)
            session.add(state)
        if state.status != outcome.status or state.status_since is None:
            state.status_since = now
        state.status = str(outcome.status)
        state.checked_at = now
        state.message = outcome.message
        state.failed_conditions = list(outcome.failed_conditions)
        state.duration_ms = outcome.duration_ms
        state.checks = (state.checks or 0) + 1
        session.add(
            IntegrationCheck(
                integration=name,
                status=str(outcome.status),
                checked_at=now,
                duration_ms=outcome.duration_ms,
                message=outcome.message,
                failed_conditions=list(outcome.failed_conditions),
                http_status=outcome.http_status,
                trigger=trigger,
                worker=worker,
            )
        )
        session.flush()
        return state


def state(session: Session, name: str) -> IntegrationState | None:
    """The integration's latest status, or None before its first check."""
    return session.get(IntegrationState, name)


def states(session: Session, names: list[str]) -> dict[str, IntegrationState]:
    """The states of ``names`` in one query."""
    rows = session.scalars(select(IntegrationState).where(IntegrationState.name.in_(names)))
    return {row.name: row for row in rows}


def history(
    session: Session, name: str, limit: int, before: int | None, status: list[str]
) -> tuple[list[IntegrationCheck], int, bool]:
    """Newest first: (checks, total matching, whether more follow)."""
    query = select(IntegrationCheck).where(IntegrationCheck.integration == name)
    if status:
        query = query.where(IntegrationCheck.status.in_(status))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    if before is not None:
        query = query.where(IntegrationCheck.pk < before)
    rows = list(session.scalars(query.order_by(IntegrationCheck.pk.desc()).limit(limit + 1)))
    return rows[:limit], total, len(rows) > limit


def forget_before(db: Database, cutoff: datetime) -> int:
    """Delete checks older than ``cutoff``; returns how many."""
    with db.write() as session:
        done = session.execute(  # type: ignore[attr-defined]  # a CursorResult
            delete(IntegrationCheck).where(IntegrationCheck.checked_at < cutoff)
        ).rowcount
    return int(done or 0)


def retention_cutoff(days: float) -> datetime:
    return utcnow() - timedelta(days=days)
