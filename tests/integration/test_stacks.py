"""The stacks family with real parts: aws-cdk-lib synthesis in process and cfn-lint as a library.

The example app (examples/cdk-app) is synthesised once per session (``cdk_assembly``); the
small apps under tests/data/stacks/apps are synthesised where a test needs a broken one.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from assay.config.loader import load_suite
from assay.core.errors import SuiteError
from assay.core.results import RunResult, Status, StepResult

DATA = Path(__file__).resolve().parents[1] / "data" / "stacks"
APPS = DATA / "apps"
TEMPLATES = DATA / "templates"
Runner = Callable[..., RunResult]
Writer = Callable[..., Path]


def _suite(source: str, steps: str) -> str:
    return f"""\
targets:
  app:
    type: stacks
{source}
groups:
  - name: g
    test:
{steps}
"""


def _one(result: RunResult) -> StepResult:
    assert len(result.results) == 1, [r.message for r in result.results]
    return result.results[0]


def _response(step: StepResult) -> dict[str, Any]:
    data: dict[str, Any] = step.details["response"]
    return data


def test_stacks_example_app_synthesises_three_stacks_in_process(cdk_assembly: Path) -> None:
    manifest = json.loads((cdk_assembly / "manifest.json").read_text())
    kinds = {a["type"] for a in manifest["artifacts"].values()}
    assert {"aws:cloudformation:stack", "cdk:asset-manifest"} <= kinds
    stacks = sorted(
        n for n, a in manifest["artifacts"].items() if a["type"] == "aws:cloudformation:stack"
    )
    assert stacks == ["AssayApi", "AssayData", "AssayMessaging"]
    api = json.loads((cdk_assembly / "AssayApi.template.json").read_text())
    types = {r["Type"] for r in api["Resources"].values()}
    assert {"AWS::Lambda::Function", "AWS::IAM::Role", "AWS::IAM::Policy"} <= types
    assert "Fn::ImportValue" in json.dumps(api)


def test_stacks_synth_passes_on_the_example_with_findings_per_template(
    write_suite: Writer, run_suite: Runner, cdk_assembly: Path
) -> None:
    path = write_suite(
        _suite(f"    assembly: {cdk_assembly}", "      - stacks.synth: {}\n        debug: true")
    )
    step = _one(run_suite(path))
    assert step.status is Status.PASSED, step.message
    data = _response(step)
    assert [t["stack"] for t in data["templates"]] == ["AssayData", "AssayMessaging", "AssayApi"]
    assert data["counts"]["failing"] == 0 and data["counts"]["templates"] == 3
    assert data["ignored"] == ["W3005", "I1022"]
    # the app's own warning (a CDK annotation) is reported, not hidden
    assert any(a["level"] == "warning" for a in data["annotations"])


def test_stacks_synth_without_the_default_ignore_list_fails_on_cdk_output(
    write_suite: Writer, run_suite: Runner, cdk_assembly: Path
) -> None:
    path = write_suite(
        _suite(f"    assembly: {cdk_assembly}", "      - stacks.synth: {ignore: []}")
    )
    step = _one(run_suite(path))
    assert step.status is Status.FAILED
    assert "LintFindings" in step.message and "AssayApi.template.json" in step.message
    findings = [f for t in _response(step)["templates"] for f in t["findings"]]
    w3005 = next(f for f in findings if f["rule"] == "W3005")
    assert (
        w3005["severity"] == "warning"
        and w3005["line"] > 1
        and w3005["path"].startswith("Resources/")
    )


def test_stacks_synth_reports_each_finding_with_rule_line_and_message(
    write_suite: Writer, run_suite: Runner
) -> None:
    source = f"    templates: [{TEMPLATES / 'lint_error.yaml'}, {TEMPLATES / 'network.yaml'}]"
    step = _one(run_suite(write_suite(_suite(source, "      - stacks.synth: {}"))))
    assert step.status is Status.FAILED
    assert step.error_code == "LintFindings"
    assert "2 findings at or above warning in 1 of 2 templates" in step.message
    reports = {t["stack"]: t for t in _response(step)["templates"]}
    errors = [
        (f["rule"], f["line"])
        for f in reports["lint_error"]["findings"]
        if f["severity"] == "error"
    ]
    assert errors == [("E3002", 6), ("E3012", 10)]
    assert reports["network"]["findings"] == [] and reports["network"]["failing"] == 0


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ("{fail_on: error}", Status.PASSED),
        ("{fail_on: warning}", Status.FAILED),
        ("{ignore: [W2001]}", Status.PASSED),
        ("{ignore: [W2]}", Status.PASSED),
    ],
    ids=["fail-on-error", "fail-on-warning", "ignored-rule", "ignored-prefix"],
)
def test_stacks_synth_fail_on_and_ignore(
    write_suite: Writer, run_suite: Runner, params: str, status: Status
) -> None:
    source = f"    templates: [{TEMPLATES / 'lint_warning.json'}]"
    step = _one(run_suite(write_suite(_suite(source, f"      - stacks.synth: {params}"))))
    assert step.status is status, step.message
    if status is Status.FAILED:
        assert "lint_warning.json:4: W2001 Parameter Unused not used" in step.message


def test_stacks_synth_malformed_template_fails_naming_file_and_line(
    write_suite: Writer, run_suite: Runner
) -> None:
    source = f"    templates: [{TEMPLATES / 'malformed.yaml'}]"
    step = _one(run_suite(write_suite(_suite(source, "      - stacks.synth: {}"))))
    assert step.status is Status.FAILED
    assert "malformed.yaml:5: E0000" in step.message


def test_stacks_order_example_waves_feed_later_steps(
    write_suite: Writer, run_suite: Runner, cdk_assembly: Path
) -> None:
    steps = """\
      - stacks.order: {waves: [[AssayMessaging, AssayData], [AssayApi]]}
        outputs: {waves: waves, order: order}
      - name: a later step receives them
        stacks.order: {waves: "${waves}", order: "${order}"}
        debug: true"""
    result = run_suite(write_suite(_suite(f"    assembly: {cdk_assembly}", steps)))
    assert [r.status for r in result.results] == [Status.PASSED, Status.PASSED], [
        r.message for r in result.results
    ]
    data = _response(result.results[1])
    assert data["waves"] == [["AssayData", "AssayMessaging"], ["AssayApi"]]
    assert data["order"] == ["AssayData", "AssayMessaging", "AssayApi"]
    imports = {d["export"] for d in data["dependencies"] if d["via"] == "import"}
    assert {"Assay-BucketName", "Assay-TableName"} <= imports  # the Fn::Sub import resolved
    assert data["missing_dependencies"] == [] and data["cycles"] == []


def test_stacks_order_wrong_expected_order_fails_with_a_diff(
    write_suite: Writer, run_suite: Runner, cdk_assembly: Path
) -> None:
    steps = """\
      - stacks.order: {order: [AssayApi, AssayData, AssayMessaging]}
      - stacks.order: {waves: [[AssayData], [AssayMessaging, AssayApi]]}"""
    result = run_suite(write_suite(_suite(f"    assembly: {cdk_assembly}", steps)))
    order, waves = result.results
    assert order.status is Status.FAILED and order.error_code == "OrderMismatch"
    assert "AssayApi (#1) comes before AssayData (#2), which it depends on" in order.message
    assert "a valid order: [AssayData, AssayMessaging, AssayApi]" in order.message
    assert waves.status is Status.FAILED and waves.error_code == "WavesMismatch"
    assert "wave 1: expected [AssayData], computed [AssayData, AssayMessaging]" in waves.message
    assert "wave 2: expected [AssayApi, AssayMessaging], computed [AssayApi]" in waves.message


def test_stacks_order_cycle_fails_with_its_path(write_suite: Writer, run_suite: Runner) -> None:
    step = _one(
        run_suite(
            write_suite(_suite(f"    assembly: {DATA / 'cycle'}", "      - stacks.order: {}"))
        )
    )
    assert step.status is Status.FAILED and step.error_code == "DependencyCycle"
    assert "dependency cycle Alpha → Beta → Gamma → Alpha" in step.message
    assert "Gamma imports Alpha-Out from Alpha" in step.message
    cycle = _response(step)["cycles"][0]
    assert cycle["path"] == ["Alpha", "Beta", "Gamma", "Alpha"]
    assert {(e["stack"], e["on"]) for e in cycle["edges"]} >= {
        ("Alpha", "Beta"),
        ("Gamma", "Alpha"),
    }
    assert _response(step)["waves"] == []


@pytest.mark.parametrize(("mode", "status"), [("fail", Status.FAILED), ("warn", Status.PASSED)])
def test_stacks_order_missing_manifest_dependency(
    write_suite: Writer, run_suite: Runner, mode: str, status: Status
) -> None:
    steps = f"      - stacks.order: {{missing_dependencies: {mode}}}\n        debug: true"
    step = _one(run_suite(write_suite(_suite(f"    assembly: {DATA / 'missing'}", steps))))
    assert step.status is status, step.message
    assert _response(step)["missing_dependencies"][0]["stack"] == "Api"
    if status is Status.FAILED:
        assert step.error_code == "MissingDependency"
        assert (
            "Api imports Data-Bucket from Data, but the manifest does not deploy Data first"
            in step.message
        )


@pytest.mark.parametrize(("mode", "status"), [("warn", Status.PASSED), ("fail", Status.FAILED)])
def test_stacks_order_templates_resolve_sub_and_join_imports(
    write_suite: Writer, run_suite: Runner, mode: str, status: Status
) -> None:
    source = f"    templates: ['{TEMPLATES}/*work.yaml', '{TEMPLATES}/service.yaml']"
    steps = f"      - stacks.order: {{external_imports: {mode}, order: [network, service]}}\n        debug: true"
    step = _one(run_suite(write_suite(_suite(source, steps))))
    assert step.status is status, step.message
    data = _response(step)
    assert data["waves"] == [["network"], ["service"]]
    assert {d["export"] for d in data["dependencies"]} == {"dev-VpcId", "dev-SubnetIds"}
    assert [e["export"] for e in data["external_imports"]] == ["shared-LogBucket"]
    if status is Status.FAILED:
        assert "service imports shared-LogBucket, which no stack here exports" in step.message


def test_stacks_order_unreadable_template_is_an_error_naming_it(
    write_suite: Writer, run_suite: Runner
) -> None:
    source = f"    templates: [{TEMPLATES / 'network.yaml'}, {TEMPLATES / 'malformed.yaml'}]"
    step = _one(run_suite(write_suite(_suite(source, "      - stacks.order: {}"))))
    assert step.status is Status.ERROR
    assert "malformed.yaml:5: not a valid template" in step.message


@pytest.mark.parametrize(
    ("app", "fragments"),
    [
        ("raises.py", ["raises.py:7: synthesis failed: KeyError"]),
        (
            "invalid_bucket.py",
            ["invalid_bucket.py:8: synthesis failed", "Not_A_Valid_Bucket_Name!"],
        ),
        ("no_app.py", ["no_app.py defines no aws_cdk.App objects", "app.py:NAME"]),
        ("factory.py:missing", ["the app module has no 'missing'"]),
    ],
    ids=["python-error", "cdk-validation", "no-app", "unknown-name"],
)
def test_stacks_broken_cdk_apps_fail_clearly(
    write_suite: Writer, run_suite: Runner, app: str, fragments: list[str]
) -> None:
    steps = "      - stacks.synth: {}\n      - stacks.order: {}"
    result = run_suite(write_suite(_suite(f"    app: {APPS / app}", steps)))
    synth, order = result.results
    assert synth.status is Status.FAILED and synth.error_code == "SynthFailed"
    for fragment in fragments:
        assert fragment in synth.message
    assert "Traceback" not in synth.message
    assert order.status is Status.ERROR and fragments[0] in order.message


def test_stacks_cdk_error_annotation_fails_synth(write_suite: Writer, run_suite: Runner) -> None:
    step = _one(
        run_suite(
            write_suite(_suite(f"    app: {APPS / 'annotated.py'}", "      - stacks.synth: {}"))
        )
    )
    assert step.status is Status.FAILED and step.error_code == "CdkError"
    assert "queues in this stack must be encrypted with a CMK" in step.message
    levels = {a["level"] for a in _response(step)["annotations"]}
    assert levels == {"error", "warning"}


def test_stacks_app_factory_and_context(write_suite: Writer, run_suite: Runner) -> None:
    source = f"    app: {APPS / 'factory.py'}:build\n    context: {{stack_name: FromSuite}}"
    steps = "      - stacks.order: {order: [FromSuite]}"
    step = _one(run_suite(write_suite(_suite(source, steps))))
    assert step.status is Status.PASSED, step.message


def test_stacks_relative_paths_resolve_against_the_defining_file(
    tmp_path: Path, run_suite: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "infra" / "cfn").mkdir(parents=True)
    for name in ("network.yaml", "service.yaml"):
        shutil.copy(TEMPLATES / name, tmp_path / "infra" / "cfn" / name)
    (tmp_path / "infra" / "targets.yaml").write_text(
        "targets:\n  app:\n    type: stacks\n    templates: ['cfn/*.yaml']\n"
    )
    suite = tmp_path / "suite.yaml"
    suite.write_text(
        "include: [infra/targets.yaml]\ngroups:\n  - name: g\n    test:\n"
        "      - stacks.order: {order: [network, service]}\n"
    )
    monkeypatch.chdir(DATA)  # the working directory plays no part
    step = _one(run_suite(suite))
    assert step.status is Status.PASSED, step.message


@pytest.mark.parametrize(
    ("target", "step", "fragments"),
    [
        (
            "    templtes: [a.yaml]",
            "{}",
            ["unknown key 'templtes' (did you mean 'templates'?)", "suite.yaml:4"],
        ),
        ("    app: nowhere.py", "{}", ["CDK app not found: nowhere.py", "suite.yaml:4"]),
        (f"    assembly: {TEMPLATES}", "{}", ["has no manifest.json"]),
        ("    templates: ['*.nothing.yaml']", "{}", ["matches no template file"]),
        ("    context: {a: 1}", "{}", ["needs exactly one source", "got none"]),
        (
            f"    assembly: {DATA / 'cycle'}\n    templates: [{TEMPLATES / 'network.yaml'}]",
            "{}",
            ["got assembly, templates"],
        ),
        (
            f"    assembly: {DATA / 'cycle'}",
            "{ignor: [W1]}",
            ["unknown key 'ignor' (did you mean 'ignore'?)", "suite.yaml:8"],
        ),
        (
            f"    assembly: {DATA / 'cycle'}",
            "{ignore: [W3005, 'lambda']}",
            ["not cfn-lint rule ids: lambda"],
        ),
        (
            f"    assembly: {DATA / 'cycle'}",
            "{fail_on: fatal}",
            ["fail_on", "'error', 'warning' or 'informational'"],
        ),
    ],
    ids=[
        "unknown-key",
        "missing-app",
        "not-assembly",
        "empty-glob",
        "no-source",
        "two-sources",
        "unknown-param",
        "bad-rule",
        "bad-severity",
    ],
)
def test_stacks_bad_suites_are_located_errors(
    write_suite: Writer, target: str, step: str, fragments: list[str]
) -> None:
    path = write_suite(_suite(target, f"      - stacks.synth: {step}"))
    with pytest.raises(SuiteError) as info:
        load_suite(path)
    for fragment in fragments:
        assert fragment in str(info.value)
