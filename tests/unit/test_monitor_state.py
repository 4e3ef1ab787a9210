"""``decide``: a monitor's state from its previous state and one run's verdict, table-tested."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from assay.server.monitors.state import (
    Change,
    MonitorState,
    State,
    Thresholds,
    Verdict,
    decide,
    paused,
)

T0 = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
U, G, D = Verdict.UP, Verdict.DEGRADED, Verdict.DOWN


def run(verdicts: list[Verdict], thresholds: Thresholds, step: float = 30.0) -> list[State]:
    state, seen = MonitorState(), []
    for n, verdict in enumerate(verdicts):
        state = decide(state, verdict, T0 + timedelta(seconds=step * n), thresholds).state
        seen.append(state.state)
    return seen


CASES = {
    "up at once": ([U], Thresholds(), ["up"]),
    "down at once by default": ([U, D], Thresholds(), ["up", "down"]),
    "degraded when only degrading conditions failed": ([U, G, U], Thresholds(), ["up", "degraded", "up"]),
    "three in a row before down": (
        [U, D, D, U, D, D, D], Thresholds(failures=3),
        ["up", "up", "up", "up", "up", "up", "down"],
    ),
    "a first failure below the threshold is unknown": ([D, D], Thresholds(failures=3), ["unknown", "unknown"]),
    "two successes to recover": (
        [D, U, U, U], Thresholds(successes=2), ["down", "down", "up", "up"],
    ),
    "recovering into degraded": ([D, G], Thresholds(), ["down", "degraded"]),
    "3 failures in the last 5 runs": (
        [U, D, U, D, U, D], Thresholds(failures=5, window_failures=3, window_runs=5),
        ["up", "up", "up", "up", "up", "down"],
    ),
    "failures fall out of the run window": (
        [D, U, U, U, U, U, D, D], Thresholds(failures=5, window_failures=3, window_runs=5),
        ["unknown", "up", "up", "up", "up", "up", "up", "up"],
    ),
    "3 failures in 2 minutes (runs every 30 s)": (
        [D, U, D, U, D], Thresholds(failures=5, window_failures=3, window_seconds=120),
        ["unknown", "up", "up", "up", "down"],
    ),
    "spread over more than the time window": (
        [D, U, U, U, U, D, U, D], Thresholds(failures=5, window_failures=3, window_seconds=120),
        ["unknown", "up", "up", "up", "up", "up", "up", "up"],
    ),
}  # fmt: skip


@pytest.mark.parametrize(("verdicts", "thresholds", "states"), CASES.values(), ids=list(CASES))
def test_monitor_state_table(
    verdicts: list[Verdict], thresholds: Thresholds, states: list[str]
) -> None:
    assert [str(s) for s in run(verdicts, thresholds)] == states


def test_monitor_state_changes_are_reported_once_with_their_time() -> None:
    state = MonitorState()
    changes = []
    for n, verdict in enumerate([U, U, D, D, U]):
        decision = decide(state, verdict, T0 + timedelta(minutes=n), Thresholds())
        state = decision.state
        changes.append(decision.change)
    assert changes == [
        Change(State.UNKNOWN, State.UP, T0),
        None,
        Change(State.UP, State.DOWN, T0 + timedelta(minutes=2)),
        None,
        Change(State.DOWN, State.UP, T0 + timedelta(minutes=4)),
    ]
    assert state.since == T0 + timedelta(minutes=4) and state.passing == 1


def test_monitor_state_maintenance_hides_failures_then_resumes() -> None:
    state = decide(MonitorState(), U, T0, Thresholds()).state
    inside = decide(state, D, T0 + timedelta(minutes=1), Thresholds(), maintenance=True)
    assert inside.state.state is State.MAINTENANCE and inside.change is not None
    after = decide(inside.state, U, T0 + timedelta(minutes=2), Thresholds())
    assert after.state.state is State.UP
    still_broken = decide(inside.state, D, T0 + timedelta(minutes=2), Thresholds())
    assert still_broken.state.state is State.DOWN


def test_monitor_state_flapping_is_a_change_of_its_own() -> None:
    thresholds = Thresholds(flapping_changes=4, flapping_seconds=600)
    state, flags = MonitorState(), []
    for n, verdict in enumerate([U, D, U, D, U, U]):
        decision = decide(state, verdict, T0 + timedelta(minutes=n), thresholds)
        state = decision.state
        flags.append(state.flapping)
    assert flags == [False, False, False, True, True, True]
    later = decide(state, U, T0 + timedelta(minutes=30), thresholds)
    assert not later.state.flapping and later.change == Change(
        State.UP, State.UP, later.state.recent[-1][0], False
    )


def test_monitor_state_pause_and_resume() -> None:
    down = decide(MonitorState(), D, T0, Thresholds()).state
    stopped = paused(down, T0 + timedelta(minutes=1), True)
    assert stopped.state.state is State.PAUSED and stopped.change is not None
    assert paused(stopped.state, T0, True).change is None
    resumed = paused(stopped.state, T0 + timedelta(minutes=2), False).state
    assert resumed.state is State.UNKNOWN and resumed.failing == 0
    assert (
        decide(resumed, D, T0 + timedelta(minutes=3), Thresholds(failures=2)).state.state
        is State.UNKNOWN
    )
