"""Failures are data: each carries its part, subject, seen and wanted values; messages are
rendered from them, and what classifies a failure reads the data, never the words."""

from __future__ import annotations

import json
from typing import Any

import pytest

from assay.config.models import Expectation
from assay.core import condition_values
from assay.core.checks import Observation
from assay.core.conditions import parse
from assay.core.errors import CheckFailure
from assay.core.failures import Failure, Part, json_safe
from assay.core.results import Phase, Status, StepResult
from assay.engine.expect import evaluate, judgement
from assay.server.integrations.check import Health, classify


def failures(expect: dict[str, Any], obs: Observation) -> list[Failure]:
    with pytest.raises(CheckFailure) as caught:
        evaluate(Expectation.model_validate(expect), obs)
    assert caught.value.message == "; ".join(f.text for f in caught.value.failures)
    return caught.value.failures


SLOW = Observation(
    success=True,
    http_status=200,
    body=b'{"load": 95, "version": "2.1"}',
    timings={"total": 0.4},
    data={"version": "2.1"},
)


def test_failures_of_conditions_name_the_condition_and_the_values() -> None:
    (load,) = failures({"conditions": ["[BODY].load < 80", "[STATUS] == 200"]}, SLOW)
    assert (load.expectation, load.subject) == (Part.CONDITION, "[BODY].load < 80")
    assert (load.seen, load.wanted) == ("95", "< 80")
    assert load.text == "condition failed: [BODY].load (95) < 80"
    assert judgement(load) == "[BODY].load (95) < 80"


def test_failures_of_outcome_status_and_fields_carry_what_was_wanted() -> None:
    denied = Observation(success=False, error_code="AccessDenied", http_status=403)
    (outcome,) = failures({}, denied)
    assert (outcome.expectation, outcome.seen, outcome.wanted) == (
        Part.OUTCOME,
        "AccessDenied",
        "success",
    )
    (status,) = failures({"status": [201, 204]}, SLOW)
    assert (status.expectation, status.seen, status.wanted) == (Part.STATUS, 200, [201, 204])
    (field,) = failures({"fields": {"version": "3.0"}}, SLOW)
    assert (field.expectation, field.subject, field.seen, field.wanted) == (
        Part.FIELD,
        "version",
        "2.1",
        "3.0",
    )


def test_failures_round_trip_through_json_and_keep_values_short() -> None:
    (load,) = failures({"conditions": ["[BODY].load < 80"]}, SLOW)
    again = Failure.from_dict(json.loads(json.dumps(load.to_dict())))
    assert again == load
    assert len(json_safe("x" * 10_000)) == 300 and json_safe(b"\xff") == "\ufffd"
    assert json_safe({"a": [1, 2]}) == {"a": [1, 2]} and json_safe(object()).startswith("<")
    result = StepResult("g", Phase.TEST, 1, "n", "http.request", Status.FAILED, failures=[load])
    assert result.to_dict()["failures"] == [load.to_dict()]


def result_of(expect: dict[str, Any], obs: Observation) -> StepResult:
    found = failures(expect, obs)
    text = "; ".join(f.text for f in found)
    return StepResult("g", Phase.TEST, 1, "n", "http.request", Status.FAILED, message=text,
                      failures=found)  # fmt: skip


def test_integrations_classify_the_same_whatever_the_wording(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Rewording the messages changes no status: classification reads the failures' data."""
    degraded = (parse("[BODY].load < 80"),)
    expect = {"conditions": ["[STATUS] == 200", "[BODY].load < 80"]}
    down = Observation(success=True, http_status=503, body=b'{"load": 95}')
    before = [classify(result_of(expect, o), degraded, 1.0) for o in (SLOW, down)]
    monkeypatch.setattr(
        condition_values,  # where a condition's verdict renders its text
        "describe",
        lambda left, comparator, right, value, note: (
            f"{left} was {value}, wanted {comparator} {right.source}"
        ),
    )
    after = [classify(result_of(expect, o), degraded, 1.0) for o in (SLOW, down)]
    assert (
        [o.status for o in before]
        == [o.status for o in after]
        == [
            Health.DEGRADED,
            Health.DOWN,
        ]
    )
    assert after[0].message == "condition failed: [BODY].load was 95, wanted < 80"
    assert before[0].message != after[0].message


def test_a_condition_on_a_missing_value_is_marked_unobserved() -> None:
    (missing,) = failures({"conditions": ["[BODY].nope == 1"]}, SLOW)
    (seen,) = failures({"conditions": ["[BODY].load < 80"]}, SLOW)
    assert (missing.observed, seen.observed) == (False, True)
    assert Failure.from_dict(missing.to_dict()) == missing
