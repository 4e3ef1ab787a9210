"""Recording a run: the raw run, its roll-ups, the new state, incidents and alerts, in one
transaction, so that a crash leaves either all of it or none.

The alerts a change of state makes due go to the outbox (``monitor_alerts``) in that same
transaction, under keys that name them once (``alerts.Notice.key``): a notice is never lost
(it is written with the state that caused it) and never written twice (its key exists).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from assay.core.secrets import redact
from assay.server.db import Database
from assay.server.monitors import alerts, rollups
from assay.server.monitors.build import Monitor
from assay.server.monitors.maintenance import Window, in_maintenance
from assay.server.monitors.sketch import LatencySketch
from assay.server.monitors.state import Decision, MonitorState, State, Verdict, decide
from assay.server.monitors.tables import (
    AlertRow,
    Incident,
    MonitorRollup,
    MonitorRun,
    MonitorStateRow,
)
from assay.server.monitors.verdict import RunVerdict


@dataclass(frozen=True)
class Recorded:
    decision: Decision
    maintenance: bool
    notices: tuple[alerts.Notice, ...]


def state_of(row: MonitorStateRow) -> MonitorState:
    """The decisions' view of a stored state."""
    return MonitorState(
        state=State(row.state),
        since=row.since,
        failing=row.failing,
        passing=row.passing,
        recent=tuple((datetime.fromisoformat(at), Verdict(v)) for at, v in row.recent),
        changes=tuple(datetime.fromisoformat(at) for at in row.changes),
        flapping=row.flapping,
    )


def store_state(row: MonitorStateRow, state: MonitorState) -> None:
    row.state = str(state.state)
    row.since = state.since
    row.failing, row.passing, row.flapping = state.failing, state.passing, state.flapping
    row.recent = [[at.isoformat(), str(v)] for at, v in state.recent]
    row.changes = [at.isoformat() for at in state.changes]


def state_row(session: Session, name: str) -> MonitorStateRow:
    """The monitor's state row, locked for this transaction (made on its first run)."""
    row = session.get(MonitorStateRow, name, with_for_update=True)
    if row is None:
        row = new_state_row(name)
        session.add(row)
    return row


def new_state_row(name: str, state: State = State.UNKNOWN) -> MonitorStateRow:
    """A monitor's state before its first run (its columns' defaults, set here because the
    ORM applies them only at the insert)."""
    return MonitorStateRow(name=name, state=str(state), failing=0, passing=0, recent=[],
                           changes=[], flapping=False, last_message="", last_failures=[],
                           runs=0)  # fmt: skip


def add_rollups(session: Session, deltas: dict[rollups.Key, rollups.Bucket]) -> None:
    """Add each delta to its roll-up row (made when it is the bucket's first run)."""
    for (monitor, resolution, start), delta in sorted(deltas.items()):
        row = session.get(MonitorRollup, (monitor, resolution, start), with_for_update=True)
        if row is None:
            zero = dict.fromkeys(rollups.COUNTS, 0)
            row = MonitorRollup(monitor=monitor, resolution=resolution, bucket=start, **zero)
            row.sketch = {}
            session.add(row)
        row.up += delta.up
        row.degraded += delta.degraded
        row.down += delta.down
        row.maintenance += delta.maintenance
        row.skipped += delta.skipped
        merged = LatencySketch.from_json(row.sketch).merge(delta.sketch)
        row.sketch = merged.to_json()


def enqueue(session: Session, notices: Iterable[alerts.Notice], message: str) -> int:
    """Write the notices the outbox does not have yet; how many were new."""
    new = 0
    for notice in notices:
        if session.get(AlertRow, notice.key) is not None:
            continue
        session.add(
            AlertRow(
                key=notice.key,
                monitor=notice.monitor,
                incident=notice.incident,
                event=str(notice.event),
                provider=notice.provider,
                due_at=notice.at,
                attempts=0,
                last_error="",
                created_at=notice.at,
                message={
                    "before": notice.before and str(notice.before),
                    "after": notice.after and str(notice.after),
                    "text": message,
                },
            )
        )
        new += 1
    return new


def incident_id(monitor: str, at: datetime) -> str:
    """An incident's id: the monitor and when it went down (the same on every server)."""
    return f"{monitor}@{at.strftime('%Y%m%dT%H%M%S.%fZ')}"[:64]


def record(
    db: Database,
    monitor: Monitor,
    outcome: RunVerdict,
    at: datetime,
    windows: list[Window],
    skipped: int = 0,
    region: str = "local",
) -> Recorded:
    """Record one run of ``monitor`` that started ``at`` (``skipped``: ticks it outlasted)."""
    name, labels = monitor.name, monitor.spec.labels
    maintenance = in_maintenance(windows, name, labels, at) is not None
    message = redact(outcome.message)[:4000]
    with db.write() as session:
        row = state_row(session, name)
        decision = decide(state_of(row), outcome.verdict, at, monitor.thresholds, maintenance)
        after = decision.state.state
        incident = row.incident
        if after is State.DOWN and incident is None:
            incident = incident_id(name, at)
            session.add(Incident(id=incident, monitor=name, started_at=at, message=message))
        notices: list[alerts.Notice] = []
        change = decision.change
        if change is not None and not maintenance:
            about = incident or incident_id(name, change.at)
            notices = alerts.on_change(name, labels, change, about, list(monitor.rules))
        enqueue(session, notices, message)
        if after is not State.DOWN and row.incident is not None:
            closed = session.get(Incident, row.incident, with_for_update=True)
            if closed is not None and closed.ended_at is None:
                closed.ended_at = at
            incident = None
        store_state(row, decision.state)
        row.incident = incident
        row.last_run_at, row.last_verdict = at, str(outcome.verdict)
        row.last_message, row.last_duration_ms = message, outcome.duration_ms
        row.last_failures = [f.to_dict() for f in outcome.failures][:50]
        row.runs += 1
        session.add(
            MonitorRun(
                monitor=name,
                started_at=at,
                duration_ms=outcome.duration_ms,
                verdict=str(outcome.verdict),
                state=str(after),
                maintenance=maintenance,
                message=message,
                failures=row.last_failures,
                region=region,
            )
        )
        run = (name, at, str(outcome.verdict), outcome.duration_ms, maintenance)
        deltas = rollups.deltas([run])
        for key in deltas:
            deltas[key].skipped += skipped
        add_rollups(session, deltas)
    return Recorded(decision, maintenance, tuple(notices))
