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
from assay.core.results import Status, StepResult
from assay.core.secrets import redact
from assay.engine import RunOptions, run_suites
from assay.server.integrations.config import Integration

FAILED_CONDITION = "condition failed: "


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


def _is_degraded(text: str, degraded: tuple[Condition, ...]) -> bool:
    """Whether a failure text is the judgement of one of the ``degraded`` conditions.

    A judgement reads ``<left> (<value>) <comparator> <right>`` (``core.conditions``), so
    its ends identify the condition whatever the observed value was.
    """
    return any(
        text.startswith(f"{c.left} (") and text.endswith(f") {c.comparator} {c.right.source}")
        for c in degraded
    )


def classify(result: StepResult, degraded: tuple[Condition, ...], duration_ms: float) -> Outcome:
    """The status a step's result means for its integration."""
    status = result.http_status
    if result.status is Status.PASSED:
        return Outcome(Health.UP, "", duration_ms, http_status=status)
    if result.status is Status.FAILED:
        mismatches = [str(m) for m in result.details.get("mismatches", [])] or [result.message]
        failed = [m[len(FAILED_CONDITION) :] for m in mismatches if m.startswith(FAILED_CONDITION)]
        only_degraded = len(failed) == len(mismatches) and all(
            _is_degraded(text, degraded) for text in failed
        )
        health = Health.DEGRADED if only_degraded else Health.DOWN
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
