"""Running an integration's check through the engine, as ``assay run`` would, and turning
the step's result into a status: up, degraded, down or unknown.

    up        the step passed
    degraded  it failed only on conditions listed under ``degraded``
    down      it failed otherwise (wrong status, failed conditions), or could not reach the
              target (refused, timed out)
    unknown   never checked, or the check could not be run at all (a configuration fault)
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass, field

from assay.core.conditions import Condition
from assay.core.errors import AssayError
from assay.core.failures import Part
from assay.core.results import Status, StepResult
from assay.core.secrets import redact
from assay.engine import RunOptions, run_suites
from assay.engine.expect import judgement
from assay.server.integrations.config import Integration


class Health(enum.StrEnum):
    UP = "up"
    DEGRADED = "degraded"
    DOWN = "down"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Outcome:
    """One check's verdict; ``failed_conditions`` are texts like ``[STATUS] (503) == 200``."""

    status: Health
    message: str
    duration_ms: float
    failed_conditions: list[str] = field(default_factory=list)
    http_status: int | None = None


def classify(result: StepResult, degraded: tuple[Condition, ...], duration_ms: float) -> Outcome:
    """The status a step's result means for its integration, decided from its failures'
    data (which part of the expectation, which condition), never from their wording."""
    status = result.http_status
    if result.status is Status.PASSED:
        return Outcome(Health.UP, "", duration_ms, http_status=status)
    if result.status is Status.FAILED:
        judged = [
            f for f in result.failures if f.expectation is Part.CONDITION and f.wanted is not None
        ]
        sources = {c.source for c in degraded}
        only_degraded = bool(result.failures) and all(
            f in judged and f.subject in sources for f in result.failures
        )
        health = Health.DEGRADED if only_degraded else Health.DOWN
        failed = [judgement(f) for f in judged]
        return Outcome(health, result.message, duration_ms, failed, status)
    if result.status is Status.ERROR:
        return Outcome(Health.DOWN, result.message, duration_ms, http_status=status)
    return Outcome(Health.UNKNOWN, result.message or "the check was skipped", duration_ms)


def run_check(integration: Integration) -> Outcome:
    """Run the integration's one-step suite once; never raises for the target's behaviour."""
    start = time.perf_counter()
    try:
        run = run_suites([integration.suite], RunOptions(parallel=1))
    except AssayError as exc:
        elapsed = (time.perf_counter() - start) * 1000
        return Outcome(Health.UNKNOWN, redact(f"the check could not run: {exc}"), elapsed)
    elapsed = (time.perf_counter() - start) * 1000
    if not run.results:
        return Outcome(Health.UNKNOWN, "the check produced no result", elapsed)
    return classify(run.results[0], integration.degraded, round(elapsed, 2))
