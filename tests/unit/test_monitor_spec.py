"""Monitor specs: their shape, defaults and errors, and the suites they become."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

import assay.checks  # noqa: F401  (registers the check kinds the suites use)
from assay.core.errors import SuiteError
from assay.server.monitors.alerts import Event
from assay.server.monitors.build import build
from assay.server.monitors.spec import MonitorSpec

ONE_STEP: dict[str, Any] = {
    "name": "api",
    "interval": "30s",
    "target": {"type": "http", "base_url": "http://127.0.0.1:9"},
    "check": {"http.request": {"path": "/health"}, "expect": {"conditions": ["[STATUS] == 200"]}},
    "degraded": ["[RESPONSE_TIME] < 300"],
    "thresholds": {"failures": 3, "window": {"failures": 2, "within": "5m"}},
    "alerts": [
        {"notify": ["ops"], "remind_every": "30m", "escalate": {"after": "1h", "notify": ["pager"]}}
    ],
}


def test_spec_defaults_durations_and_canonical_form() -> None:
    spec = MonitorSpec.model_validate(ONE_STEP)
    assert spec.interval == 30 and spec.timeout == 30 and spec.regions == ["local"]
    assert spec.thresholds.window is not None and spec.thresholds.window.within == 300
    assert spec.alerts[0].on == [Event.DOWN, Event.RECOVERED]
    again = MonitorSpec.model_validate(spec.canonical())
    assert again == spec and "timeout" not in spec.canonical()


def test_spec_one_step_becomes_a_suite_with_the_degrading_conditions(tmp_path: Path) -> None:
    monitor = build(MonitorSpec.model_validate(ONE_STEP), tmp_path, "api")
    (step,) = monitor.suite.groups[0].test
    assert step.kind == "http.request"
    assert step.expect.conditions == ["[STATUS] == 200", "[RESPONSE_TIME] < 300"]
    assert monitor.degraded == {"[RESPONSE_TIME] < 300"} and not monitor.per_run
    assert monitor.thresholds.failures == 3 and monitor.thresholds.window_seconds == 300
    rule = monitor.rules[0]
    assert rule.escalate_to == ("pager",) and rule.remind_every is not None


@pytest.mark.parametrize(
    ("change", "wanted"),
    [
        ({"name": "Bad Name"}, "name"),
        ({"interval": "soon"}, "duration"),
        ({"jitter": "1m"}, "jitter"),
        ({"check": None}, "give 'target' and 'check'"),
        ({"suite": {"targets": {}}}, "either 'suite'"),
        ({"thresholds": {"window": {"failures": 2}}}, "'runs' or 'within'"),
        ({"unknown": 1}, "Extra inputs"),
    ],
    ids=["name", "interval", "jitter", "no check", "both shapes", "window", "unknown key"],
)
def test_spec_shape_errors_name_the_field(change: dict[str, Any], wanted: str) -> None:
    with pytest.raises(ValidationError, match=wanted):
        MonitorSpec.model_validate(ONE_STEP | change)


def test_spec_check_errors_come_from_the_suite_loader_in_monitor_terms(tmp_path: Path) -> None:
    bad = ONE_STEP | {"check": {"http.reqest": {"path": "/health"}}, "degraded": []}
    with pytest.raises(SuiteError) as caught:
        build(MonitorSpec.model_validate(bad), tmp_path, "api", "body")
    text = caught.value.render()
    assert "body.check" in text and "http.request" in text  # the suggestion


def test_api_monitors_name_their_credentials_by_reference(tmp_path: Path) -> None:
    literal = ONE_STEP | {"target": {"type": "http", "base_url": "http://127.0.0.1:9",
                                     "credentials": {"svc": {"token": "plain-token-value"}}}}  # fmt: skip
    with pytest.raises(SuiteError, match=r"target\.credentials\.svc\.token"):
        build(MonitorSpec.model_validate(literal), tmp_path, "api")
    in_url = ONE_STEP | {"target": {"type": "http", "base_url": "http://u:pw@127.0.0.1:9"}}
    with pytest.raises(SuiteError, match="never the value itself"):
        build(MonitorSpec.model_validate(in_url), tmp_path, "api")
    referenced = ONE_STEP | {"target": {"type": "http", "base_url": "http://127.0.0.1:9",
                                        "credentials": {"svc": {"token": "${MON_TOKEN:-x}"}}}}  # fmt: skip
    assert build(MonitorSpec.model_validate(referenced), tmp_path, "api").name == "api"
    file_monitor = build(MonitorSpec.model_validate(literal), tmp_path, "file")  # the server's own
    assert file_monitor.origin == "file"


def test_suite_monitors_inline_or_by_path_and_per_run_values(tmp_path: Path) -> None:
    inline = {
        "name": "flow",
        "suite": {
            "targets": {"store": {"type": "s3", "endpoint": "embedded"}},
            "groups": [{"name": "g", "test": [{"s3.CreateBucket": {"Bucket": "b-${run.id}"}}]}],
        },
    }
    monitor = build(MonitorSpec.model_validate(inline), tmp_path, "api")
    assert monitor.per_run and monitor.suite_for_run() is not monitor.suite
    (tmp_path / "s.yaml").write_text(
        "targets: {api: {type: http, base_url: 'http://127.0.0.1:9'}}\n"
        "groups: [{name: g, test: [{http.request: {path: /}}]}]\n"
    )
    by_path = MonitorSpec.model_validate({"name": "file", "suite": "s.yaml"})
    assert build(by_path, tmp_path, "file").suite.groups[0].name == "g"
    with pytest.raises(SuiteError, match="monitors file"):
        build(by_path, tmp_path, "api")
