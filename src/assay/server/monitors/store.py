"""The monitors API's queries: monitors with their state, alerts, maintenance windows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from assay.server.db.tables import utcnow
from assay.server.monitors.schemas import AlertOut, MonitorOut, StateOut
from assay.server.monitors.tables import (
    AlertRow,
    Incident,
    MaintenanceRow,
    MonitorRow,
    MonitorStateRow,
)


def monitor_out(row: MonitorRow, state: MonitorStateRow | None, problem: str | None) -> MonitorOut:
    s = state
    return MonitorOut(
        name=row.name,
        origin=row.origin,
        version=row.version,
        paused=row.paused,
        spec=dict(row.spec),
        problem=problem,
        created_at=row.created_at,
        updated_at=row.updated_at,
        state=StateOut(
            state=s.state if s else "unknown",
            since=s.since if s else None,
            flapping=bool(s and s.flapping),
            incident=s.incident if s else None,
            last_run_at=s.last_run_at if s else None,
            last_verdict=s.last_verdict if s else None,
            last_message=s.last_message if s else "",
            last_duration_ms=s.last_duration_ms if s else None,
            runs=s.runs if s else 0,
        ),
    )


def _filtered(query: Any, labels: dict[str, str], states: list[str], origin: str | None) -> Any:
    """``query`` (of monitors or of their count) narrowed by the list's filters."""
    for key, value in labels.items():
        query = query.where(MonitorRow.spec["labels"][key].as_string() == value)
    if states:
        query = query.where(MonitorStateRow.state.in_(states))
    if origin:
        query = query.where(MonitorRow.origin == origin)
    return query


def page(
    session: Session,
    labels: dict[str, str],
    states: list[str],
    origin: str | None,
    limit: int,
    after: str | None,
) -> tuple[list[tuple[MonitorRow, MonitorStateRow | None]], int, bool]:
    """Monitors by name with their state, one query for the page and one for the total."""
    base = select(MonitorRow, MonitorStateRow).outerjoin(
        MonitorStateRow, MonitorStateRow.name == MonitorRow.name
    )
    query = _filtered(base, labels, states, origin)
    counted = _filtered(
        select(func.count())
        .select_from(MonitorRow)
        .outerjoin(MonitorStateRow, MonitorStateRow.name == MonitorRow.name),
        labels,
        states,
        origin,
    )
    total = session.scalar(counted) or 0
    if after is not None:
        query = query.where(MonitorRow.name > after)
    ordered = query.order_by(MonitorRow.name).limit(limit + 1)
    rows: list[tuple[MonitorRow, MonitorStateRow | None]] = [
        (m, st) for m, st in session.execute(ordered).all()
    ]
    return rows[:limit], total, len(rows) > limit


def alert_out(row: AlertRow, incident: Incident | None, max_attempts: int) -> AlertOut:
    status = "sent" if row.sent_at else "failed" if row.attempts >= max_attempts else "pending"
    return AlertOut(
        key=row.key,
        monitor=row.monitor,
        incident=row.incident,
        event=row.event,
        provider=row.provider,
        status=status,
        created_at=row.created_at,
        due_at=row.due_at,
        attempts=row.attempts,
        sent_at=row.sent_at,
        last_error=row.last_error,
        acknowledged_at=incident.acknowledged_at if incident else None,
        acknowledged_by=incident.acknowledged_by if incident else None,
    )


def alerts(
    session: Session,
    monitor: str | None,
    status: str | None,
    max_attempts: int,
    limit: int,
    before: tuple[datetime, str] | None,
) -> tuple[list[AlertOut], int, bool]:
    """Alerts newest first, with their incident's acknowledgement."""
    query = select(AlertRow, Incident).outerjoin(Incident, Incident.id == AlertRow.incident)
    count = select(func.count()).select_from(AlertRow)
    conditions = []
    if monitor:
        conditions.append(AlertRow.monitor == monitor)
    if status == "sent":
        conditions.append(AlertRow.sent_at.is_not(None))
    elif status == "pending":
        conditions += [AlertRow.sent_at.is_(None), AlertRow.attempts < max_attempts]
    elif status == "failed":
        conditions += [AlertRow.sent_at.is_(None), AlertRow.attempts >= max_attempts]
    query, count = query.where(*conditions), count.where(*conditions)
    total = session.scalar(count) or 0
    if before is not None:
        query = query.where(tuple_(AlertRow.created_at, AlertRow.key) < before)
    query = query.order_by(AlertRow.created_at.desc(), AlertRow.key.desc()).limit(limit + 1)
    rows = [(a, i) for a, i in session.execute(query).all()]
    return [alert_out(a, i, max_attempts) for a, i in rows[:limit]], total, len(rows) > limit


def acknowledge(session: Session, key: str, by: str) -> tuple[AlertRow, Incident | None] | None:
    """Acknowledge the incident of alert ``key`` (its reminders and escalations stop)."""
    row = session.get(AlertRow, key)
    if row is None:
        return None
    incident = session.get(Incident, row.incident, with_for_update=True)
    if incident is not None and incident.acknowledged_at is None:
        incident.acknowledged_at, incident.acknowledged_by = utcnow(), by
    return row, incident


def windows(session: Session) -> list[MaintenanceRow]:
    return list(session.scalars(select(MaintenanceRow).order_by(MaintenanceRow.id)))
