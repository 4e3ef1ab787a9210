"""Monitors' definitions in the database: from the monitors file and from the API.

Every worker runs what this table says (``runtime.MonitorRuntime.sync``): a change through
the API on one server reaches the others within a sync interval. ``version`` grows with
every change, so a worker rebuilds only what changed. Monitors of the file belong to it:
the file replaces them at start, and the API refuses to change them (409).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from assay.server.db.tables import utcnow
from assay.server.monitors.recorder import new_state_row
from assay.server.monitors.spec import MonitorSpec
from assay.server.monitors.state import State
from assay.server.monitors.tables import (
    Incident,
    MaintenanceRow,
    MonitorRollup,
    MonitorRow,
    MonitorStateRow,
)

FILE, API = "file", "api"


def versions(session: Session) -> dict[str, int]:
    """Every monitor's name and version (what a worker compares with what it runs)."""
    return {n: v for n, v in session.execute(select(MonitorRow.name, MonitorRow.version))}


def get(session: Session, name: str) -> MonitorRow | None:
    return session.get(MonitorRow, name)


def put(session: Session, spec: MonitorSpec, origin: str) -> tuple[MonitorRow, bool]:
    """Create or replace ``spec``; (the row, whether it is new). The spec is stored as
    given (``canonical``): credentials stay references."""
    row = session.get(MonitorRow, spec.name, with_for_update=True)
    data = spec.canonical()
    if row is None:
        row = MonitorRow(
            name=spec.name,
            spec=data,
            origin=origin,
            paused=spec.paused,
            version=1,
            created_at=utcnow(),
            updated_at=utcnow(),
        )
        session.add(row)
        session.add(new_state_row(spec.name, State.PAUSED if spec.paused else State.UNKNOWN))
        return row, True
    if row.spec != data or row.origin != origin or row.paused != spec.paused:
        row.spec, row.origin, row.paused = data, origin, spec.paused
        row.version += 1
        row.updated_at = utcnow()
    return row, False


def remove(session: Session, name: str) -> bool:
    """Delete a monitor and everything it recorded but its raw runs (the retention job
    removes those); False when there was none."""
    row = session.get(MonitorRow, name)
    if row is None:
        return False
    session.execute(delete(MonitorStateRow).where(MonitorStateRow.name == name))
    session.execute(delete(MonitorRollup).where(MonitorRollup.monitor == name))
    session.execute(delete(Incident).where(Incident.monitor == name))
    session.delete(row)
    return True


def set_paused(session: Session, name: str, paused: bool) -> MonitorRow | None:
    row = session.get(MonitorRow, name, with_for_update=True)
    if row is None:
        return None
    if row.paused != paused:
        row.paused = paused
        row.spec = (
            {**row.spec, "paused": paused}
            if paused
            else {k: v for k, v in row.spec.items() if k != "paused"}
        )
        row.version += 1
        row.updated_at = utcnow()
    return row


def request_run(session: Session, name: str, at: datetime) -> bool:
    return bool(
        session.execute(  # type: ignore[attr-defined]  # a CursorResult
            update(MonitorRow).where(MonitorRow.name == name).values(run_requested_at=at)
        ).rowcount
    )


def claim_run(session: Session, name: str, requested: datetime) -> bool:
    """Take a run request (one worker wins it, whichever sees it first)."""
    return bool(
        session.execute(  # type: ignore[attr-defined]
            update(MonitorRow)
            .where(MonitorRow.name == name, MonitorRow.run_requested_at == requested)
            .values(run_requested_at=None)
        ).rowcount
    )


def requested(session: Session) -> list[tuple[str, datetime]]:
    return [
        (n, at)
        for n, at in session.execute(
            select(MonitorRow.name, MonitorRow.run_requested_at).where(
                MonitorRow.run_requested_at.is_not(None)
            )
        )
        if at is not None
    ]


def sync_file(session: Session, specs: list[MonitorSpec]) -> tuple[int, int, int]:
    """Make the file's monitors the table's file monitors: (added, changed, removed)."""
    added = changed = 0
    for spec in specs:
        row = session.get(MonitorRow, spec.name)
        before = row.version if row is not None else None
        row, new = put(session, spec, FILE)
        added += new
        changed += (not new) and row.version != before
    names = {s.name for s in specs}
    gone = [
        n
        for n in session.scalars(select(MonitorRow.name).where(MonitorRow.origin == FILE))
        if n not in names
    ]
    for name in gone:
        remove(session, name)
    return added, changed, len(gone)


def windows(session: Session) -> list[dict[str, Any]]:
    """Maintenance windows' specs (the API's and the file's)."""
    return [r.spec for r in session.scalars(select(MaintenanceRow).order_by(MaintenanceRow.id))]
