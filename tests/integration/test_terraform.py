"""terraform.plan through the real engine, on plan JSON documents written for the tests.

The terraform binary is not available here; examples/terraform/plan.json is a realistic
``terraform show -json`` document (format 1.2) with every action kind, modules, sensitive
attributes and action_reason values, and the tests derive variants from it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from assay.config.loader import load_suite
from assay.core.errors import SuiteError
from assay.core.results import RunResult, Status, StepResult
from assay.report import FORMATS

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "terraform"
PLAN = json.loads((EXAMPLES / "plan.json").read_text())
Runner = Callable[..., RunResult]
Writer = Callable[..., Path]
PROTECT_DB = "protect: {types: [aws_db_instance]}"


@pytest.fixture
def plan_file(tmp_path: Path) -> Callable[..., Path]:
    """Write a (changed) copy of the example plan; returns its path."""

    def write(
        change: Callable[[dict[str, Any]], None] | None = None, name: str = "plan.json"
    ) -> Path:
        data = copy.deepcopy(PLAN)
        if change:
            change(data)
        path = tmp_path / name
        path.write_text(json.dumps(data))
        return path

    return write


def _suite(plan: Path | str, params: str, extra: str = "") -> str:
    return f"""\
targets:
  tf: {{type: terraform, plan: "{plan}"}}
groups:
  - name: gate
    test:
      - terraform.plan: {{{params}}}
        debug: true
{extra}"""


def _one(result: RunResult) -> StepResult:
    assert len(result.results) == 1, [r.message for r in result.results]
    return result.results[0]


def test_terraform_protected_database_replace_fails_without_approval(
    write_suite: Writer, run_suite: Runner
) -> None:
    step = _one(run_suite(write_suite(_suite(EXAMPLES / "plan.json", PROTECT_DB))))
    assert step.status is Status.FAILED and step.error_code == "ApprovalRequired"
    assert "aws_db_instance.main would be replaced (destroy, then create)" in step.message
    assert "replace_because_cannot_update" in step.message
    assert "--approve 'aws_db_instance.main'" in step.message
    db = next(
        r for r in step.details["response"]["resources"] if r["address"] == "aws_db_instance.main"
    )
    assert db["protected_by"] == "type aws_db_instance" and "approved_by" not in db


def test_terraform_protected_database_replace_passes_with_an_approvals_file(
    write_suite: Writer, run_suite: Runner
) -> None:
    params = f"{PROTECT_DB}, approvals: 'file://{EXAMPLES / 'approvals.yaml'}'"
    step = _one(run_suite(write_suite(_suite(EXAMPLES / "plan.json", params))))
    assert step.status is Status.PASSED, step.message
    data = step.details["response"]
    assert data["approved"] == ["aws_db_instance.main"]
    db = next(r for r in data["resources"] if r["address"] == "aws_db_instance.main")
    assert db["approved_by"]["by"] == "dba-oncall"
    assert data["unused_approvals"] == []


def test_terraform_protected_database_replace_passes_with_approve_flag(
    write_suite: Writer, run_suite: Runner
) -> None:
    path = write_suite(_suite(EXAMPLES / "plan.json", PROTECT_DB))
    step = _one(run_suite(path, approvals=("aws_db_instance.*", "aws_s3_bucket.unrelated")))
    assert step.status is Status.PASSED, step.message
    data = step.details["response"]
    assert data["approved"] == ["aws_db_instance.main"]
    assert data["unused_approvals"] == ["aws_s3_bucket.unrelated"]
    # an approval for something else does not help
    other = _one(run_suite(path, approvals=("aws_db_instance.replica",)))
    assert other.status is Status.FAILED


def test_terraform_forbidden_resource_fails_even_when_approved(
    write_suite: Writer, run_suite: Runner
) -> None:
    params = "forbid: {addresses: ['module.network.*']}"
    path = write_suite(_suite(EXAMPLES / "plan.json", params))
    step = _one(run_suite(path, approvals=('module.network.aws_subnet.private["a"]',)))
    assert step.status is Status.FAILED and step.error_code == "ForbiddenChange"
    assert (
        'module.network.aws_subnet.private["a"] would be replaced (create, then destroy)'
        in step.message
    )


def test_terraform_counts_and_reasons_in_the_report(write_suite: Writer, run_suite: Runner) -> None:
    step = _one(run_suite(write_suite(_suite(EXAMPLES / "plan.json", ""))))
    assert step.status is Status.PASSED  # nothing protected, no limits: a report only
    data = step.details["response"]
    assert data["counts"]["replace"] == 2 and data["counts"]["delete"] == 2
    assert data["action_reasons"]["delete_because_no_resource_config"] == 1
    addresses = [r["address"] for r in data["resources"]]
    assert "aws_security_group.app" not in addresses  # no-ops are counted, not listed
    assert 'module.network.aws_subnet.private["a"]' in addresses
    assert data["terraform_version"] == "1.9.5" and data["format_version"] == "1.2"


@pytest.mark.parametrize(
    ("limits", "status", "fragment"),
    [
        ("{delete: 2, replace: 2}", Status.PASSED, ""),
        ("{delete: 1}", Status.FAILED, "2 to delete, at most 1 allowed"),
        ("{create: 0}", Status.FAILED, "1 to create, at most 0 allowed"),
    ],
)
def test_terraform_count_limits(
    write_suite: Writer, run_suite: Runner, limits: str, status: Status, fragment: str
) -> None:
    step = _one(run_suite(write_suite(_suite(EXAMPLES / "plan.json", f"max: {limits}"))))
    assert step.status is status, step.message
    if fragment:
        assert step.error_code == "LimitExceeded" and fragment in step.message


def test_terraform_errored_plan_fails(
    write_suite: Writer, run_suite: Runner, plan_file: Callable[..., Path]
) -> None:
    path = plan_file(lambda d: d.update(errored=True))
    step = _one(run_suite(write_suite(_suite(path, ""))))
    assert step.status is Status.FAILED and step.error_code == "PlanErrored"


def test_terraform_sensitive_values_never_reach_a_report(
    write_suite: Writer, run_suite: Runner, plan_file: Callable[..., Path]
) -> None:
    def rotate(data: dict[str, Any]) -> None:
        db = data["resource_changes"][0]["change"]
        db["after"]["password"] = "n3w-r0tated-passw0rd"

    result = run_suite(write_suite(_suite(plan_file(rotate), PROTECT_DB)))
    step = _one(result)
    changes = next(
        r for r in step.details["response"]["resources"] if r["address"] == "aws_db_instance.main"
    )
    password = next(c for c in changes["changes"] if c["path"] == "password")
    assert password == {
        "path": "password",
        "before": "(sensitive value)",
        "after": "(sensitive value)",
    }
    for fmt in ("json", "yaml", "junit"):
        report = FORMATS[fmt](result)
        for secret in ("s3cr3t-db-passw0rd", "n3w-r0tated-passw0rd", "tok-4d2f9c"):
            assert secret not in report, (fmt, secret)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("not json at all", "not JSON"),
        ('{"format_version": "0.1", "resource_changes": []}', "plan format 0.1 is not supported"),
        ('{"planned_values": {}}', "no format_version"),
    ],
)
def test_terraform_bad_plan_is_an_error_naming_the_file(
    write_suite: Writer, run_suite: Runner, tmp_path: Path, content: str, fragment: str
) -> None:
    path = tmp_path / "broken-plan.json"
    path.write_text(content)
    step = _one(run_suite(write_suite(_suite(path, ""))))
    assert step.status is Status.ERROR
    assert "broken-plan.json" in step.message and fragment in step.message


def test_terraform_plan_path_is_relative_to_the_suite(
    tmp_path: Path, run_suite: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "prod.json").write_text(json.dumps(PLAN))
    suite = tmp_path / "gate.yaml"
    suite.write_text(_suite("plans/prod.json", "max: {replace: 2}"))
    monkeypatch.chdir(EXAMPLES)
    assert _one(run_suite(suite)).status is Status.PASSED


@pytest.mark.parametrize(
    ("plan", "params", "fragments"),
    [
        ("missing.json", "", ["plan file not found: missing.json", "suite.yaml:2"]),
        (
            str(EXAMPLES / "plan.json"),
            "protct: {types: [x]}",
            ["unknown key 'protct' (did you mean 'protect'?)", "suite.yaml:6"],
        ),
        (str(EXAMPLES / "plan.json"), "approvals: approvals.yaml", ["written file://path"]),
        (
            str(EXAMPLES / "plan.json"),
            "approvals: 'file://nowhere.yaml'",
            ["file not found: file://nowhere.yaml"],
        ),
        (str(EXAMPLES / "plan.json"), "max: {delete: -1}", ["greater than or equal to 0"]),
        (
            str(EXAMPLES / "plan.json"),
            "protect: {types: [a], adresses: [b]}",
            ["did you mean 'addresses'"],
        ),
    ],
    ids=[
        "missing-plan",
        "unknown-param",
        "approvals-not-file-url",
        "approvals-missing",
        "negative-limit",
        "nested-unknown",
    ],
)
def test_terraform_bad_suites_are_located_errors(
    write_suite: Writer, plan: str, params: str, fragments: list[str]
) -> None:
    with pytest.raises(SuiteError) as info:
        load_suite(write_suite(_suite(plan, params)))
    for fragment in fragments:
        assert fragment in str(info.value)


def test_terraform_malformed_approvals_file_is_a_located_error(
    write_suite: Writer, tmp_path: Path
) -> None:
    (tmp_path / "approvals.yaml").write_text("approvals:\n  - [not, a, pattern]\n")
    path = write_suite(_suite(EXAMPLES / "plan.json", "approvals: 'file://approvals.yaml'"))
    with pytest.raises(SuiteError, match=r"suite.yaml:6.*entry 1 must be an address pattern"):
        load_suite(path)
