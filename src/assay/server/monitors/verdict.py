"""What one run of a monitor's suite says: UP, DEGRADED or DOWN, from its results' data.

    UP        every step passed (or was skipped)
    DEGRADED  the only failures are conditions the monitor marks as degrading
    DOWN      anything else failed, or a step could not run (an unreachable target, a timeout)

Like the integrations before it, the decision reads the failures' data (part and
condition), never their text.
"""

from __future__ import annotations

from dataclasses import dataclass

from assay.core.failures import Failure, Part
from assay.core.results import RunResult, Status, StepResult
from assay.server.monitors.state import Verdict


@dataclass(frozen=True)
class RunVerdict:
    verdict: Verdict
    message: str  # the first problem, for people ("" when up)
    failures: tuple[Failure, ...]
    duration_ms: float


def _degrading(failure: Failure, degraded: frozenset[str]) -> bool:
    """A degrading condition that judged a value; one the check never saw (an expired
    certificate's days left, a refused port's status) means the check itself failed."""
    return (
        failure.expectation is Part.CONDITION and failure.subject in degraded and failure.observed
    )


def _first_problem(results: list[StepResult]) -> StepResult | None:
    return next((r for r in results if r.status in (Status.FAILED, Status.ERROR)), None)


def verdict_of(run: RunResult, degraded: frozenset[str]) -> RunVerdict:
    """The run's verdict; its latency is the run's wall time in milliseconds."""
    duration_ms = round(run.duration * 1000, 3)
    failures = tuple(f for r in run.results for f in r.failures)
    first = _first_problem(run.results)
    if run.faults or not run.results:
        text = "; ".join(run.faults) or "the run produced no result"
        return RunVerdict(Verdict.DOWN, text, failures, duration_ms)
    if first is None:
        if run.interrupted:  # cancelled at its deadline before anything failed
            return RunVerdict(Verdict.DOWN, "the run did not finish in time", (), duration_ms)
        return RunVerdict(Verdict.UP, "", (), duration_ms)
    errors = any(r.status is Status.ERROR for r in run.results)
    only_degrading = not errors and all(_degrading(f, degraded) for f in failures)
    verdict = Verdict.DEGRADED if only_degrading and failures else Verdict.DOWN
    where = f"{first.name}: " if len(run.results) > 1 else ""
    return RunVerdict(verdict, f"{where}{first.message}", failures, duration_ms)
