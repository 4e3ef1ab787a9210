"""The stacks and terraform families as a user meets them: the assay command, exit codes, output."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "stacks"


def assay(*args: str, cwd: Path = ROOT, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assay", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=os.environ.copy(),
        cwd=cwd,
    )


def test_cli_cdk_example_suite_runs_the_whole_cycle_on_the_embedded_default() -> None:
    done = assay("run", "examples/cdk-app/suite.yaml", "--format", "json", "-q")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["summary"]["passed"] == report["summary"]["total"] == 14
    kinds = [(r["phase"], r["kind"]) for r in report["results"]]
    assert kinds[:5] == [
        ("test", "stacks.synth"),
        ("test", "stacks.order"),
        ("test", "stacks.order"),
        ("before", "stacks.inventory"),
        ("before", "stacks.deploy"),
    ]
    assert kinds[-2:] == [("after", "stacks.destroy"), ("after", "stacks.rollback_complete")]
    verified = {k for phase, k in kinds if phase == "test" and k.startswith("aws.")}
    assert verified == {
        "aws.dynamodb_table",
        "aws.s3_bucket",
        "aws.sqs_queue",
        "aws.sns_topic",
        "aws.lambda_function",
        "aws.iam_role",
    }
    # jsii's Node.js banners, deprecation warnings and moto's complaints about resource types
    # it cannot create stay out of the user's terminal
    for noise in ("end-of-life", "!!!!", "No Moto CloudFormation support", "Traceback"):
        assert noise not in done.stderr


def test_cli_ctrl_c_during_verification_still_tears_the_stacks_down(
    moto_server: str, write_suite: Callable[..., Path], aws_client: Callable[..., Any]
) -> None:
    from tests.support.flaky import FlakyS3

    front = FlakyS3(moto_server)
    front.behaviour.delay["slow-bucket"] = 5.0
    region = "eu-south-1"
    try:
        path = write_suite(f"""\
targets:
  app:
    type: stacks
    endpoint: "{moto_server}"
    region: {region}
    credentials: {{c: {{access_key: a, secret_key: b}}}}
    templates: {{"intr-${{run.id}}": "{DATA / "deploy" / "table.yaml"}"}}
  slow:
    type: s3
    endpoint: "{front.url}"
    path_style: true
    credentials: {{c: {{access_key: a, secret_key: b}}}}
groups:
  - name: g
    target: app
    before:
      - stacks.inventory: {{}}
      - stacks.deploy: {{parameters: {{"intr-${{run.id}}": {{TableName: "intr-${{run.id}}"}}}}}}
    test:
      - s3.HeadBucket: {{Bucket: slow-bucket}}
        target: slow
        expect: {{error: "404"}}
      - aws.dynamodb_table: {{name: "intr-${{run.id}}"}}
    after:
      - stacks.destroy: {{}}
      - stacks.rollback_complete: {{}}
""")
        proc = subprocess.Popen(
            [sys.executable, "-m", "assay", "run", str(path), "--format", "json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert proc.stderr is not None
        for _ in range(2):  # the two before steps' progress lines
            line = proc.stderr.readline()
            assert "PASSED" in line and "before[" in line, line
        time.sleep(0.5)  # the slow step is under way
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        front.close()
    assert proc.returncode == 130, err
    report = json.loads(out)
    assert report["interrupted"] is True
    phases = [(r["phase"], r["kind"], r["status"]) for r in report["results"]]
    assert ("test", "aws.dynamodb_table", "skipped") in phases
    assert phases[-2:] == [
        ("after", "stacks.destroy", "passed"),
        ("after", "stacks.rollback_complete", "passed"),
    ]
    run = report["run_id"]
    stacks = aws_client("cloudformation", region).list_stacks()["StackSummaries"]
    assert {s["StackStatus"] for s in stacks if s["StackName"] == f"intr-{run}"} == {
        "DELETE_COMPLETE"
    }
    assert f"intr-{run}" not in aws_client("dynamodb", region).list_tables()["TableNames"]
    assert "Traceback" not in err


def test_cli_terraform_gate_exit_codes_follow_approvals() -> None:
    suite = "examples/terraform/suite.yaml"
    blocked = assay("run", suite)
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "ApprovalRequired" in blocked.stdout and "aws_db_instance.main" in blocked.stdout
    approved = assay("run", suite, "--approve", "aws_db_instance.main", "-q")
    assert approved.returncode == 0, approved.stdout + approved.stderr
    from_file = assay("run", suite, "--var", "APPROVALS=approvals.yaml", "-q")
    assert from_file.returncode == 0, from_file.stdout + from_file.stderr
    assert "s3cr3t-db-passw0rd" not in blocked.stdout + approved.stdout + from_file.stdout


def test_cli_terraform_state_example_verifies_what_was_applied() -> None:
    done = assay("run", "examples/terraform/state.yaml", "--format", "json", "-q")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    (state,) = [r for r in report["results"] if r["kind"] == "terraform.state"]
    assert state["status"] == "passed" and report["summary"]["passed"] == 9


def test_cli_broken_template_is_exit_3_and_lint_findings_exit_1(tmp_path: Path) -> None:
    suite = tmp_path / "suite.yaml"
    suite.write_text(
        f"targets:\n  cfn: {{type: stacks, templates: ['{DATA}/templates/malformed.yaml']}}\n"
        "groups:\n  - name: order\n    test: [{stacks.order: {}}]\n"
        "  - name: lint\n    test: [{stacks.synth: {}}]\n"
    )
    done = assay("run", str(suite), "--group", "order", "-q")
    assert done.returncode == 3, done.stdout + done.stderr
    assert "malformed.yaml:5: not a valid template" in done.stdout
    lint = assay("run", str(suite), "--group", "lint", "-q")
    assert lint.returncode == 1 and "E0000" in lint.stdout


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        (
            "targets:\n  app: {type: stacks, ap: app.py}\ngroups: []\n",
            ["suite.yaml:2", "unknown key 'ap' (did you mean 'app'?)"],
        ),
        (
            "targets:\n  app: {type: stacks, app: missing/app.py}\ngroups: []\n",
            ["suite.yaml:2", "CDK app not found: missing/app.py"],
        ),
        (
            "targets:\n  tf: {type: terraform, plan: tfplan.json}\ngroups: []\n",
            ["suite.yaml:2", "plan file not found: tfplan.json"],
        ),
        (
            "targets:\n  tf: {type: terraform, plan: "
            + str(ROOT / "examples/terraform/plan.json")
            + "}\ngroups:\n  - name: g\n    test:\n      - terraform.plan: {maximum: {delete: 0}}\n",
            ["suite.yaml:6", "unknown key 'maximum'"],
        ),
    ],
    ids=["unknown-key", "missing-app", "missing-plan", "unknown-param"],
)
def test_cli_bad_suites_exit_2_with_location(
    tmp_path: Path, text: str, fragments: list[str]
) -> None:
    suite = tmp_path / "suite.yaml"
    suite.write_text(text)
    done = assay("validate", str(suite), cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    for fragment in fragments:
        assert fragment in done.stderr


def test_cli_lists_and_documents_the_families() -> None:
    listing = assay("list", "checks", "--family", "stacks").stdout
    for kind in (
        "stacks.synth",
        "stacks.order",
        "stacks.inventory",
        "stacks.deploy",
        "stacks.destroy",
        "stacks.rollback_complete",
    ):
        assert kind in listing
    assert "cfn-lint" in listing and "not stack statuses" in listing
    terraform = assay("list", "checks", "--family", "terraform").stdout
    assert "terraform.plan" in terraform and "terraform.state" in terraform
    run_help = assay("run", "--help").stdout
    assert "--approve ADDRESS_OR_GLOB" in run_help
    schema = json.loads(assay("schema").stdout)
    targets = schema["properties"]["targets"]["additionalProperties"]["oneOf"]
    assert {"stacks", "terraform"} <= {t["properties"]["type"]["const"] for t in targets}
