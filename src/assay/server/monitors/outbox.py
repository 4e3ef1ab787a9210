"""Delivering the outbox: each alert sent, retried with backoff, and marked sent once.

The delivery job (one worker at a time, a singleton) takes due alerts oldest first, sends
each through its provider and marks it sent in its own transaction. A failure counts an
attempt and waits (doubling from 5 s, at most 10 minutes) until the attempts run out
(``failed``). Reminders and escalations of open incidents are written to the outbox by the
same job, under keys that name them once, so a second server or a restart adds none twice.

Delivery is at least once: a process killed between a provider's answer and the commit
sends that alert again on restart. Every alert carries its key (the webhook's ``key``
field, apprise's text) so that a receiver can drop the repeat.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import select

from assay.core.errors import UsageError
from assay.core.secrets import redact
from assay.server.db import Database
from assay.server.db.tables import utcnow
from assay.server.monitors import alerts
from assay.server.monitors.build import Monitor
from assay.server.monitors.providers import DeliveryError, Message, Provider
from assay.server.monitors.recorder import enqueue
from assay.server.monitors.tables import AlertRow, Incident, MonitorStateRow

BATCH = 100
FIRST_RETRY_S = 5.0
LONGEST_RETRY_S = 600.0
TITLES = {
    "down": "{monitor} is DOWN",
    "degraded": "{monitor} is DEGRADED",
    "recovered": "{monitor} has RECOVERED",
    "flapping": "{monitor} is FLAPPING",
    "reminder": "{monitor} is still DOWN",
    "escalation": "{monitor} is still DOWN (escalated)",
}


def message_of(row: AlertRow, base_url: str | None) -> Message:
    """What an alert says, for people (title, text) and for programs (the webhook's data)."""
    title = "[assay] " + TITLES.get(row.event, "{monitor}: {event}").format(
        monitor=row.monitor, event=row.event
    )
    text = str(row.message.get("text") or "")
    link = f"{base_url}/api/v1/monitors/{row.monitor}" if base_url else ""
    body = "\n".join(x for x in (text, link, f"alert {row.key}") if x)
    data = {
        "key": row.key,
        "monitor": row.monitor,
        "event": row.event,
        "incident": row.incident,
        "before": row.message.get("before"),
        "after": row.message.get("after"),
        "message": text,
        "at": row.created_at.isoformat(),
        "url": link or None,
    }
    return Message(title, body, data)


def due(db: Database, now: datetime, max_attempts: int) -> list[str]:
    with db.read() as session:
        return list(
            session.scalars(
                select(AlertRow.key)
                .where(AlertRow.sent_at.is_(None), AlertRow.due_at <= now)
                .where(AlertRow.attempts < max_attempts)
                .order_by(AlertRow.created_at, AlertRow.key)
                .limit(BATCH)
            )
        )


def deliver_one(
    db: Database,
    key: str,
    providers: Mapping[str, Callable[[], Provider]],
    base_url: str | None,
    max_attempts: int,
) -> bool:
    """Send one alert and mark it; True when it went out."""
    with db.read() as session:
        row = session.get(AlertRow, key)
        if row is None or row.sent_at is not None:
            return False
        message, name = message_of(row, base_url), row.provider
    error = None
    try:
        make = providers.get(name)
        if make is None:
            raise DeliveryError(f"no provider named '{name}' in the monitors file")
        make().send(message)
    except (DeliveryError, UsageError) as exc:
        error = redact(str(exc))[:2000]
    with db.write() as session:
        row = session.get(AlertRow, key, with_for_update=True)
        if row is None or row.sent_at is not None:
            return False
        if error is None:
            row.sent_at, row.last_error = utcnow(), ""
            return True
        row.attempts += 1
        row.last_error = error
        wait = min(LONGEST_RETRY_S, FIRST_RETRY_S * 2 ** (row.attempts - 1))
        row.due_at = utcnow() + timedelta(seconds=wait)
        return False


def remind(db: Database, monitors: Mapping[str, Monitor], now: datetime) -> int:
    """Write the reminders and escalations due for incidents still open; how many."""
    new = 0
    with db.read() as session:
        open_ = session.execute(
            select(
                MonitorStateRow.name,
                Incident.id,
                Incident.started_at,
                Incident.acknowledged_at,
                Incident.message,
            )
            .join(Incident, Incident.id == MonitorStateRow.incident)
            .where(Incident.ended_at.is_(None))
        ).all()
    for name, incident, started, acknowledged, text in open_:
        monitor = monitors.get(name)
        if monitor is None or not monitor.rules:
            continue
        notices = alerts.over_time(
            name,
            monitor.spec.labels,
            started,
            incident,
            acknowledged is not None,
            list(monitor.rules),
            now,
        )
        if notices:
            with db.write() as session:
                new += enqueue(session, notices, text)
    return new
