"""examples/aws.yaml and the aws family through the assay command, as a user runs them."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assay.checks.aws import inventory

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "examples/aws.yaml"
EXAMPLE_STEPS = 22


def assay(
    *args: str, env: dict[str, str] | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """The command, with no AWS settings from this machine's environment unless given."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    # boto3's chain would read ~/.aws and ask the instance metadata address (not loopback)
    clean |= {
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_CONFIG_FILE": os.devnull,
    }
    return subprocess.run(
        [sys.executable, "-m", "assay", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=clean | (env or {}),
        cwd=ROOT,
        check=False,
    )


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_aws_example_passes_on_the_embedded_default() -> None:
    done = assay("run", str(SUITE))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{EXAMPLE_STEPS} steps, {EXAMPLE_STEPS} passed" in done.stdout


def test_aws_example_cleans_up_after_itself(
    moto_server: str, aws_client: Callable[..., Any]
) -> None:
    before = inventory.take(aws_client)
    # as with LocalStack: keys from the environment (boto3's chain), any values will do
    keys = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test-secret"}
    done = assay(
        "run", str(SUITE), "--var", f"AWS_ENDPOINT={moto_server}", "--format", "json", env=keys
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["summary"]["passed"] == EXAMPLE_STEPS
    # the resources existed while the test phase ran, and the after phase removed them all
    found = inventory.diff(before, inventory.take(aws_client))
    assert found.clean, found.lines()


def test_aws_without_credentials_is_an_error_that_says_what_to_do(moto_server: str) -> None:
    for command in ("run", "validate --strict"):
        done = assay(*command.split(), str(SUITE), "--var", f"AWS_ENDPOINT={moto_server}")
        assert done.returncode == 3, done.stdout + done.stderr
        assert "no AWS credentials: give the target a credential set" in done.stderr


def test_aws_wrong_property_fails_with_exit_1(write_suite: Callable[..., Path]) -> None:
    path = write_suite(
        """\
targets:
  cloud: {type: aws}
groups:
  - name: g
    before:
      - aws.call: {service: sqs, operation: CreateQueue, params: {QueueName: q1}}
        outputs: {url: QueueUrl}
    test:
      - aws.sqs_queue: {id: "${url}"}
        expect: {fields: {Attributes.VisibilityTimeout: 99}}
      - aws.dynamodb_table: {name: absent}
"""
    )
    done = assay("run", str(path))
    assert done.returncode == 1, done.stdout + done.stderr
    # the progress lines on stderr carry each message whole (the table wraps them)
    assert "Attributes.VisibilityTimeout: expected 99, got '30'" in done.stderr
    assert "DynamoDB table 'absent' does not exist" in done.stderr
    assert "3 steps, 1 passed, 2 failed" in done.stdout


def test_aws_suite_errors_exit_2_with_the_line(write_suite: Callable[..., Path]) -> None:
    path = write_suite(
        """\
targets:
  cloud: {type: aws}
groups:
  - name: g
    test:
      - aws.call: {service: dynamodb, operation: DescribeTabel, params: {TableName: t}}
      - aws.call: {service: sqs, operation: GetQueueUrl, params: {QueueNam: q}}
"""
    )
    for command in ("run", "validate"):
        done = assay(command, str(path))
        assert done.returncode == 2, done.stdout + done.stderr
        assert "suite.yaml:6:" in done.stderr and "(did you mean 'DescribeTable'?)" in done.stderr
        assert "suite.yaml:7:" in done.stderr and "(did you mean 'QueueName'?)" in done.stderr
        assert "Traceback" not in done.stderr


def test_aws_unreachable_endpoint_exits_3(write_suite: Callable[..., Path]) -> None:
    closed = closed_port_url()
    path = write_suite(
        f"""\
targets:
  cloud:
    type: aws
    endpoint: {closed}
    timeout: 2
    retries: {{max_attempts: 1}}
    credentials: {{ci: {{access_key: AKIAEXAMPLEKEY12345, secret_key: "${{SECRET}}"}}}}
groups:
  - name: g
    test: [{{aws.sqs_queue: {{name: q}}}}]
"""
    )
    secret = "unreachable-secret-0a9f"
    run = assay("run", str(path), "--var", f"SECRET={secret}")
    assert run.returncode == 3, run.stdout + run.stderr
    assert "target 'cloud' unreachable" in run.stdout + run.stderr
    strict = assay("validate", str(path), "--strict", "--var", f"SECRET={secret}")
    assert strict.returncode == 3, strict.stdout + strict.stderr
    assert f"target 'cloud' at {closed}" in strict.stderr and "Traceback" not in strict.stderr
    for done in (run, strict):
        assert secret not in done.stdout + done.stderr
        assert "AKIAEXAMPLEKEY12345" not in done.stdout + done.stderr


def test_aws_kinds_are_listed_with_descriptions() -> None:
    done = assay("list", "checks", "--family", "aws")
    assert done.returncode == 0, done.stderr
    rows = dict(line.split(None, 1) for line in done.stdout.splitlines()[1:])
    expected = {
        "aws.call",
        "aws.resource",
        "aws.s3_bucket",
        "aws.dynamodb_table",
        "aws.sqs_queue",
        "aws.sns_topic",
        "aws.iam_role",
        "aws.iam_policy",
        "aws.lambda_function",
        "aws.log_group",
        "aws.ssm_parameter",
        "aws.cloudformation_stack",
    }
    assert set(rows) == expected
    assert "public-access block" in rows["aws.s3_bucket"]
    assert "inline and attached policies" in rows["aws.iam_role"]
