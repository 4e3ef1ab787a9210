"""terraform.state against moto: a realistic state file (format 4, written for the tests: no
terraform binary here) whose resources the tests create in eu-central-1, but one.

tests/data/terraform/terraform.tfstate holds a data source, eight managed resources (one in
a module, with a for_each key) and a SecureString whose value Terraform marks sensitive.
The SNS topic it names is never created; the VPC is a type assay cannot describe.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from assay.config.loader import load_suite
from assay.config.variables import Variables
from assay.core.errors import SuiteError
from assay.core.results import RunResult, Status, StepResult

STATE = Path(__file__).resolve().parents[1] / "data" / "terraform" / "terraform.tfstate"
REGION = "eu-central-1"
SECRET = "tf-st4te-p4ssw0rd-91c2"
TRUST = {
    "Statement": [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
        }
    ],
    "Version": "2012-10-17",
}
Runner = Callable[..., RunResult]
Writer = Callable[..., Path]
Client = Callable[..., Any]


@pytest.fixture(scope="module")
def applied(aws_client: Client) -> Client:
    """What `terraform apply` made, except the topic: the state's view of the account."""
    aws = lambda service: aws_client(service, REGION)  # noqa: E731
    managed = {"managed-by": "terraform"}
    s3 = aws("s3")
    s3.create_bucket(
        Bucket="assay-tf-uploads", CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    s3.put_bucket_tagging(
        Bucket="assay-tf-uploads",
        Tagging={
            "TagSet": [
                {"Key": "team", "Value": "data"},
                {"Key": "managed-by", "Value": "terraform"},
            ]
        },
    )
    aws("dynamodb").create_table(
        TableName="assay-tf-orders",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        Tags=[{"Key": "managed-by", "Value": "terraform"}],
    )
    aws("sqs").create_queue(
        QueueName="assay-tf-jobs",
        Attributes={
            "VisibilityTimeout": "60",
            "MaximumMessageSize": "262144",
            "MessageRetentionPeriod": "345600",
        },
        tags=managed,
    )
    aws("iam").create_role(
        RoleName="assay-tf-worker",
        AssumeRolePolicyDocument=json.dumps(TRUST),
        Tags=[{"Key": "managed-by", "Value": "terraform"}],
    )
    aws("ssm").put_parameter(
        Name="/assay/tf/db-password",
        Value=SECRET,
        Type="SecureString",
        Tags=[{"Key": "managed-by", "Value": "terraform"}],
    )
    aws("logs").create_log_group(logGroupName="/assay/tf/app", tags=managed)
    aws("logs").put_retention_policy(logGroupName="/assay/tf/app", retentionInDays=14)
    return aws


def _suite(params: str = "{}", state: Path = STATE) -> str:
    return f"""\
targets:
  tf: {{type: terraform, state: "{state}", endpoint: "${{MOTO}}", region: {REGION},
       credentials: {{ci: {{access_key: a, secret_key: b}}}}}}
groups:
  - name: state
    test:
      - terraform.state: {params}
        debug: true
"""


def _run(write: Writer, run: Runner, moto: str, params: str = "{}", **kw: Any) -> StepResult:
    result = run(write(_suite(params, **kw)), {"MOTO": moto})
    (step,) = result.results
    return step


def _by_address(step: StepResult) -> dict[str, dict[str, Any]]:
    return {r["address"]: r for r in step.details["response"]["resources"]}


def test_terraform_state_fails_naming_the_missing_resource(
    applied: Client, moto_server: str, write_suite: Writer, run_suite: Runner
) -> None:
    step = _run(write_suite, run_suite, moto_server)
    assert step.status is Status.FAILED and step.error_code == "ResourcesMissing"
    assert step.message == (
        "expected success, got ResourcesMissing: 1 of 8 resources not as the state records: "
        "missing: aws_sns_topic.alerts (id arn:aws:sns:eu-central-1:123456789012:assay-tf-alerts)"
    )
    found = _by_address(step)
    assert {a: r["result"] for a, r in found.items()} == {
        "aws_s3_bucket.uploads": "verified",
        "aws_dynamodb_table.orders": "verified",
        'module.queue.aws_sqs_queue.jobs["main"]': "verified",
        "aws_sns_topic.alerts": "missing",
        "aws_iam_role.worker": "verified",
        "aws_ssm_parameter.db_password": "verified",
        "aws_cloudwatch_log_group.app": "verified",
        "aws_vpc.main": "unknown_type",
    }
    assert found['module.queue.aws_sqs_queue.jobs["main"]']["region"] == REGION
    state = step.details["response"]["state"]
    assert state["managed"] == 8 and state["data_sources"] == 1 and state["serial"] == 17
    assert SECRET not in json.dumps(step.to_dict())


def test_terraform_state_passes_when_everything_named_exists(
    applied: Client, moto_server: str, write_suite: Writer, run_suite: Runner
) -> None:
    step = _run(write_suite, run_suite, moto_server, "{ignore: [aws_sns_topic.*]}")
    assert step.status is Status.PASSED, step.message
    assert step.details["response"]["counts"] == {"verified": 6, "unknown_type": 1}
    strict = _run(
        write_suite,
        run_suite,
        moto_server,
        "{ignore: [aws_sns_topic.*], unknown_types: fail}",
    )
    assert strict.status is Status.FAILED and strict.error_code == "UnknownTypes"
    assert "not verified: aws_vpc.main (assay cannot describe aws_vpc)" in strict.message


def test_terraform_state_reports_drift_of_the_compared_attributes(
    applied: Client, moto_server: str, write_suite: Writer, run_suite: Runner
) -> None:
    queue = applied("sqs").get_queue_url(QueueName="assay-tf-jobs")["QueueUrl"]
    applied("sqs").set_queue_attributes(QueueUrl=queue, Attributes={"VisibilityTimeout": "30"})
    applied("logs").put_retention_policy(logGroupName="/assay/tf/app", retentionInDays=30)
    try:
        step = _run(
            write_suite,
            run_suite,
            moto_server,
            "{resources: [module.queue.*, aws_cloudwatch_log_group.*]}",
        )
        assert step.status is Status.FAILED and step.error_code == "Drift"
        assert (
            'drift: module.queue.aws_sqs_queue.jobs["main"] '
            '(visibility_timeout_seconds: state 60, live "30")'
        ) in step.message
        assert "drift: aws_cloudwatch_log_group.app (retention_in_days: state 14, live 30)" in (
            step.message
        )
        only_tags = _run(
            write_suite,
            run_suite,
            moto_server,
            "{resources: [module.queue.*], attributes: {aws_sqs_queue: [tags, name]}}",
        )
        assert only_tags.status is Status.PASSED, only_tags.message
        existence = _run(
            write_suite, run_suite, moto_server, "{resources: [module.*], attributes: {'*': []}}"
        )
        assert existence.status is Status.PASSED, existence.message
    finally:
        applied("sqs").set_queue_attributes(QueueUrl=queue, Attributes={"VisibilityTimeout": "60"})
        applied("logs").put_retention_policy(logGroupName="/assay/tf/app", retentionInDays=14)


def test_terraform_state_extra_paths_compare_more_and_sensitive_values_stay_hidden(
    applied: Client, moto_server: str, write_suite: Writer, run_suite: Runner, tmp_path: Path
) -> None:
    state = json.loads(STATE.read_text())
    for resource in state["resources"]:
        if resource["type"] == "aws_ssm_parameter":
            resource["instances"][0]["attributes"]["type"] = "String"
        if resource["type"] == "aws_sqs_queue":
            resource["instances"][0]["attributes"]["sqs_managed_sse_enabled"] = False
    changed = tmp_path / "changed.tfstate"
    changed.write_text(json.dumps(state))
    step = _run(
        write_suite,
        run_suite,
        moto_server,
        "{resources: [aws_ssm_parameter.*, module.*], "
        "paths: {aws_sqs_queue: {sqs_managed_sse_enabled: Attributes.SqsManagedSseEnabled}}}",
        state=changed,
    )
    assert step.status is Status.FAILED and step.error_code == "Drift"
    assert 'type: state "String", live "SecureString"' in step.message
    assert 'sqs_managed_sse_enabled: state false, live "true"' in step.message
    assert SECRET not in json.dumps(step.to_dict())


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            "{attributes: {aws_sqs_queue: [visibility_timeout]}}",
            "'visibility_timeout' of aws_sqs_queue maps to nothing in assay's description "
            "(did you mean 'visibility_timeout_seconds'?)",
        ),
        (
            "{attributes: {aws_sqs_queu: [name]}}",
            "no mapping of Terraform type 'aws_sqs_queu' (did you mean 'aws_sqs_queue'?)",
        ),
        ("{paths: {aws_sqs_queue: {x: 'Attributes.['}}}", "invalid JMESPath 'Attributes.['"),
        ("{unknown_types: maybe}", "unknown_types"),
    ],
    ids=["attribute", "type", "jmespath", "literal"],
)
def test_terraform_state_bad_parameters_are_located(
    write_suite: Writer, params: str, message: str
) -> None:
    path = write_suite(_suite(params))
    with pytest.raises(SuiteError) as caught:
        load_suite(path, Variables(overrides={"MOTO": "http://127.0.0.1:9"}))
    text = str(caught.value)
    assert "suite.yaml:7" in text and message in text, text


def test_terraform_target_needs_a_plan_or_a_state_and_kinds_their_file(
    write_suite: Writer, run_suite: Runner
) -> None:
    with pytest.raises(SuiteError, match="needs a 'plan' .* or a 'state'"):
        load_suite(write_suite("targets:\n  tf: {type: terraform}\ngroups: []\n"))
    path = write_suite(f"""\
targets:
  tf: {{type: terraform, state: "{STATE}"}}
groups:
  - name: g
    test: [{{terraform.plan: {{}}}}]
""")
    (step,) = run_suite(path).results
    assert step.status is Status.ERROR
    assert "target 'tf' has no plan: give it 'plan: plan.json'" in step.message
    bad = write_suite('{"version": 3, "resources": []}', name="old.tfstate")
    path = write_suite(_suite(state=bad))
    (step,) = run_suite(path, {"MOTO": "http://127.0.0.1:9"}).results
    assert step.status is Status.ERROR
    assert "state format version 3; assay reads version 4" in step.message
