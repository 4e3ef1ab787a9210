"""Alert rules, and which notices a change of state or the passing of time makes due.

A rule says on which events to notify which providers, optionally reminding every N while
a monitor stays down (until someone acknowledges the incident) and escalating to other
providers after M. Every notice has a key that names it once and for all (monitor,
incident, event, provider, reminder number): the outbox stores keys under a unique
constraint, so a notice is written once however many servers decide it, and sent once.

Pure functions of their arguments, like ``state.decide``; delivery is the outbox's job.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from assay.server.monitors.state import Change, State


class Event(enum.StrEnum):
    DOWN = "down"
    DEGRADED = "degraded"
    RECOVERED = "recovered"
    FLAPPING = "flapping"
    REMINDER = "reminder"
    ESCALATION = "escalation"


ON_CHANGE = (Event.DOWN, Event.DEGRADED, Event.RECOVERED, Event.FLAPPING)


@dataclass(frozen=True)
class Rule:
    """Whom to tell about what; ``selector`` applies a rule to monitors by their labels."""

    notify: tuple[str, ...]
    on: frozenset[Event] = frozenset({Event.DOWN, Event.RECOVERED})
    remind_every: timedelta | None = None
    escalate_after: timedelta | None = None
    escalate_to: tuple[str, ...] = ()
    selector: Mapping[str, str] = field(default_factory=dict)

    def applies(self, labels: Mapping[str, str]) -> bool:
        return all(labels.get(k) == v for k, v in self.selector.items())


@dataclass(frozen=True)
class Notice:
    """One notification to deliver: written to the outbox under its unique ``key``."""

    key: str
    monitor: str
    event: Event
    provider: str
    at: datetime
    incident: str
    before: State | None = None
    after: State | None = None


def event_of(change: Change) -> Event | None:
    """What a change of state means for alerting (None: nothing to say)."""
    before, after = change.before, change.after
    if after is State.MAINTENANCE or after is State.PAUSED:
        return None
    if after is State.DOWN and before is not State.DOWN:
        return Event.DOWN
    if after is State.DEGRADED and before in (State.UP, State.UNKNOWN):
        return Event.DEGRADED
    if after is State.UP and before in (State.DOWN, State.DEGRADED):
        return Event.RECOVERED
    if after is State.DEGRADED and before is State.DOWN:
        return Event.RECOVERED  # no longer down: say so, degraded as it is
    return None


def _notices(
    monitor: str, incident: str, event: Event, providers: tuple[str, ...], at: datetime,
    change: Change | None = None, number: int = 0,
) -> list[Notice]:  # fmt: skip
    suffix = f"/{number}" if number else ""
    before, after = (change.before, change.after) if change else (None, None)
    return [
        Notice(
            f"{monitor}/{incident}/{event}{suffix}/{p}",
            monitor,
            event,
            p,
            at,
            incident,
            before,
            after,
        )
        for p in providers
    ]


def on_change(
    monitor: str, labels: Mapping[str, str], change: Change, incident: str, rules: list[Rule]
) -> list[Notice]:
    """The notices a change of state makes due at once."""
    events = [e for e in (event_of(change),) if e is not None]
    if change.flapping and change.before is change.after:
        events.append(Event.FLAPPING)
    out: list[Notice] = []
    for rule in rules:
        if rule.applies(labels):
            for event in events:
                if event in rule.on:
                    out += _notices(monitor, incident, event, rule.notify, change.at, change)
    return out


def over_time(
    monitor: str,
    labels: Mapping[str, str],
    down_since: datetime,
    incident: str,
    acknowledged: bool,
    rules: list[Rule],
    now: datetime,
) -> list[Notice]:
    """Reminders and escalations due by ``now`` for an incident still open (DOWN since
    ``down_since``): the latest reminder only (after an outage of the server itself, one
    reminder, not the backlog), the escalation once; the outbox drops keys it has."""
    if acknowledged:
        return []
    open_for = now - down_since
    out: list[Notice] = []
    for rule in rules:
        if not rule.applies(labels):
            continue
        if rule.remind_every and rule.remind_every > timedelta(0):
            n = int(open_for / rule.remind_every)
            if n >= 1:
                at = down_since + n * rule.remind_every
                out += _notices(monitor, incident, Event.REMINDER, rule.notify, at, number=n)
        if rule.escalate_after is not None and open_for >= rule.escalate_after:
            at = down_since + rule.escalate_after
            out += _notices(monitor, incident, Event.ESCALATION, rule.escalate_to, at)
    return out
