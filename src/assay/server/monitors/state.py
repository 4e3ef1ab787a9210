"""A monitor's state, decided by one pure function from the previous state and a run's verdict.

    UNKNOWN      not yet decided (no run, or fewer failures than a threshold from the start)
    UP           the last runs passed
    DEGRADED     the last run failed only on conditions marked as degrading
    DOWN         ``failures`` runs in a row failed, or ``window`` failures in the last runs
                 (or minutes); it stays DOWN until ``successes`` runs in a row did not fail
    MAINTENANCE  inside a maintenance window: runs are recorded, nothing alerts
    PAUSED       paused by a person: nothing runs

``decide`` is table-tested (tests/unit/test_monitor_state.py); the scheduler only gathers
verdicts and stores what it returns, as Argo Rollouts' analysis decides a phase from counts.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

RECENT = 100  # verdicts kept per monitor for the windowed rules and flapping


class State(enum.StrEnum):
    UNKNOWN = "unknown"
    UP = "up"
    DEGRADED = "degraded"
    DOWN = "down"
    MAINTENANCE = "maintenance"
    PAUSED = "paused"


class Verdict(enum.StrEnum):
    """What one run said about the monitored system."""

    UP = "up"
    DEGRADED = "degraded"
    DOWN = "down"


@dataclass(frozen=True)
class Thresholds:
    """When to go DOWN and when to come back; ``window_*`` add an X-in-Y rule."""

    failures: int = 1  # DOWN after this many failed runs in a row
    successes: int = 1  # back from DOWN after this many runs in a row that did not fail
    window_failures: int | None = None  # DOWN when this many of ...
    window_runs: int | None = None  # ... the last N runs failed, or
    window_seconds: float | None = None  # ... the runs of the last N seconds
    flapping_changes: int | None = None  # FLAPPING when this many changes of state ...
    flapping_seconds: float = 3600.0  # ... happened within this time


@dataclass(frozen=True)
class MonitorState:
    """What a monitor's history says now; stored per monitor, survives restarts."""

    state: State = State.UNKNOWN
    since: datetime | None = None
    failing: int = 0  # runs in a row that failed
    passing: int = 0  # runs in a row that did not fail
    recent: tuple[tuple[datetime, Verdict], ...] = ()  # newest last, at most RECENT
    changes: tuple[datetime, ...] = ()  # when the state changed, newest last
    flapping: bool = False


@dataclass(frozen=True)
class Change:
    """A change of state, which alert rules turn into notifications."""

    before: State
    after: State
    at: datetime
    flapping: bool = False


@dataclass(frozen=True)
class Decision:
    state: MonitorState
    change: Change | None = field(default=None)


def _window_down(
    recent: tuple[tuple[datetime, Verdict], ...], now: datetime, t: Thresholds
) -> bool:
    if t.window_failures is None:
        return False
    considered = list(recent)
    if t.window_runs is not None:
        considered = considered[-t.window_runs :]
    if t.window_seconds is not None:
        horizon = now - timedelta(seconds=t.window_seconds)
        considered = [(at, v) for at, v in considered if at >= horizon]
    return sum(v is Verdict.DOWN for _, v in considered) >= t.window_failures


def decide(
    current: MonitorState,
    verdict: Verdict,
    at: datetime,
    thresholds: Thresholds,
    maintenance: bool = False,
) -> Decision:
    """The state after a run that said ``verdict`` at ``at``; a change when it changed."""
    failing = current.failing + 1 if verdict is Verdict.DOWN else 0
    passing = 0 if verdict is Verdict.DOWN else current.passing + 1
    recent = (*current.recent, (at, verdict))[-RECENT:]
    before = current.state
    if maintenance:
        after = State.MAINTENANCE
    elif (
        failing >= thresholds.failures
        or _window_down(recent, at, thresholds)
        or (before is State.DOWN and passing < thresholds.successes)  # not recovered yet
    ):
        after = State.DOWN
    elif verdict is Verdict.DOWN:  # a failure below the thresholds changes nothing yet
        after = State.UNKNOWN if before in (State.MAINTENANCE, State.PAUSED) else before
    else:
        after = State(verdict.value)
    horizon = at - timedelta(seconds=thresholds.flapping_seconds)
    changes = (*current.changes, at) if after is not before else current.changes
    changes = tuple(c for c in changes if c >= horizon)[-RECENT:]
    flapping = (
        thresholds.flapping_changes is not None and len(changes) >= thresholds.flapping_changes
    )
    state = MonitorState(
        state=after,
        since=current.since if after is before and current.since else at,
        failing=failing,
        passing=passing,
        recent=recent,
        changes=changes,
        flapping=flapping,
    )
    change = None
    if after is not before or flapping != current.flapping:
        change = Change(before, after, at, flapping)
    return Decision(state, change)


def paused(current: MonitorState, at: datetime, is_paused: bool) -> Decision:
    """Pausing (or resuming) a monitor: PAUSED, or UNKNOWN until its next run."""
    after = State.PAUSED if is_paused else State.UNKNOWN
    if current.state is after:
        return Decision(current)
    state = replace(current, state=after, since=at, failing=0, passing=0)
    return Decision(state, Change(current.state, after, at))
