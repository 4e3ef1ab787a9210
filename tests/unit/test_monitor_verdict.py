"""A run's verdict from its results' data: up, degraded (only degrading conditions), down."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from assay.core.failures import Part, failure
from assay.core.results import Phase, RunResult, Status, StepResult
from assay.server.monitors.state import Verdict
from assay.server.monitors.verdict import verdict_of

SLOW = failure(Part.CONDITION, "[RESPONSE_TIME] < 300", "512", "< 300",
               "condition failed: [RESPONSE_TIME] (512) < 300")  # fmt: skip
BROKEN = failure(Part.CONDITION, "[STATUS] == 200", 503, "== 200", "condition failed: ...")
DEGRADED = frozenset({"[RESPONSE_TIME] < 300"})


def run_of(*results: StepResult, faults: list[str] | None = None) -> RunResult:
    start = datetime(2026, 12, 5, tzinfo=UTC)
    run = RunResult("r", ["m"], start, start + timedelta(milliseconds=250), list(results))
    run.faults = faults or []
    return run


def step(status: Status, *failures: object, name: str = "s") -> StepResult:
    text = "; ".join(getattr(f, "text", "") for f in failures) or status.value
    return StepResult("g", Phase.TEST, 1, name, "http.request", status, message=text,
                      failures=list(failures))  # type: ignore[arg-type]  # fmt: skip


def test_verdicts() -> None:
    assert verdict_of(run_of(step(Status.PASSED)), DEGRADED).verdict is Verdict.UP
    slow = verdict_of(run_of(step(Status.FAILED, SLOW)), DEGRADED)
    assert slow.verdict is Verdict.DEGRADED and slow.failures == (SLOW,)
    both = verdict_of(run_of(step(Status.FAILED, SLOW, BROKEN)), DEGRADED)
    assert both.verdict is Verdict.DOWN
    assert verdict_of(run_of(step(Status.ERROR)), DEGRADED).verdict is Verdict.DOWN
    assert verdict_of(run_of(step(Status.FAILED, SLOW)), frozenset()).verdict is Verdict.DOWN
    assert verdict_of(run_of(), DEGRADED).verdict is Verdict.DOWN
    faulty = verdict_of(run_of(step(Status.PASSED), faults=["could not open target"]), DEGRADED)
    assert faulty.verdict is Verdict.DOWN and faulty.message == "could not open target"


def test_verdict_message_names_the_step_of_a_multi_step_run() -> None:
    run = run_of(step(Status.PASSED, name="login"), step(Status.FAILED, BROKEN, name="me"))
    got = verdict_of(run, DEGRADED)
    assert got.message == "me: condition failed: ..." and got.duration_ms == 250.0
    cancelled = run_of(step(Status.PASSED), step(Status.SKIPPED))
    cancelled.interrupted = True
    assert verdict_of(cancelled, DEGRADED).verdict is Verdict.DOWN


def test_a_degrading_condition_on_a_value_never_seen_is_down() -> None:
    """An expired certificate or a refused port: the days left were never observed."""
    unseen = failure(Part.CONDITION, "[RESPONSE_TIME] < 300", "missing", "< 300",
                     "condition failed: [RESPONSE_TIME] (missing) < 300", observed=False)  # fmt: skip
    assert verdict_of(run_of(step(Status.FAILED, unseen)), DEGRADED).verdict is Verdict.DOWN
