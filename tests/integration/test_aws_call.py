"""The aws target and ``aws.call`` against a real moto server: calls, expectations, validation."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from assay.checks.aws import AwsSettings, AwsTargetType
from assay.config.loader import load_suite
from assay.config.variables import Variables
from assay.core.errors import SuiteError, TargetUnreachable
from assay.core.results import RunResult, Status

Writer = Callable[..., Path]
Runner = Callable[..., RunResult]

TARGET = """\
targets:
  cloud:
    type: aws
    endpoint: "${ENDPOINT}"
    retries: {max_attempts: 1}
    credentials:
      ops: {access_key: test, secret_key: "${SECRET:-test-secret}"}
"""


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def run_steps(
    write_suite: Writer, run_suite: Runner, url: str, groups: str, run_id: str = ""
) -> dict[str, Any]:
    """Run ``groups`` against moto; results by step name."""
    path = write_suite(TARGET + groups)
    run = run_suite(path, {"ENDPOINT": url}, run_id=run_id or uuid.uuid4().hex[:10])
    return {r.name: r for r in run.results}


def test_aws_call_any_service_with_expectations(
    write_suite: Writer, run_suite: Runner, moto_server: str
) -> None:
    got = run_steps(
        write_suite,
        run_suite,
        moto_server,
        """\
groups:
  - name: tables
    before:
      - name: create
        aws.call:
          service: dynamodb
          operation: CreateTable
          params:
            TableName: "calls-${run.id}"
            BillingMode: PAY_PER_REQUEST
            KeySchema: [{AttributeName: id, KeyType: HASH}]
            AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
        outputs: {table_arn: TableDescription.TableArn}
    test:
      - name: fields
        aws.call: {service: dynamodb, operation: DescribeTable, params: {TableName: "calls-${run.id}"}}
        expect:
          fields:
            Table.TableStatus: ACTIVE
            Table.TableArn: "${table_arn}"
            Table.KeySchema[0].AttributeName: {regex: "^i[d]$"}
          conditions: ["[BODY].Table.ItemCount >= 0", "[BODY].Table.TableName == pat(calls-*)"]
      - name: wrong field
        aws.call: {service: dynamodb, operation: DescribeTable, params: {TableName: "calls-${run.id}"}}
        expect: {fields: {Table.BillingModeSummary.BillingMode: PROVISIONED}}
      - name: failed condition
        aws.call: {service: dynamodb, operation: DescribeTable, params: {TableName: "calls-${run.id}"}}
        expect: {conditions: ["[BODY].Table.ItemCount > 5"]}
      - name: snake case and pages
        aws.call: {service: dynamodb, operation: list_tables, params: {Limit: 1}, paginate: true}
        expect: {contains: {TableNames: ["calls-${run.id}"]}}
      - name: expected error
        aws.call: {service: dynamodb, operation: DescribeTable, params: {TableName: "none-${run.id}"}}
        expect: {error: ResourceNotFoundException, status: 400}
      - name: unexpected error
        aws.call: {service: dynamodb, operation: DescribeTable, params: {TableName: "none-${run.id}"}}
    after:
      - name: delete
        aws.call: {service: dynamodb, operation: DeleteTable, params: {TableName: "calls-${run.id}"}}
""",
    )
    assert got["create"].status is Status.PASSED
    assert got["fields"].status is Status.PASSED, got["fields"].message
    assert got["snake case and pages"].status is Status.PASSED, got["snake case and pages"].message
    assert got["expected error"].status is Status.PASSED
    wrong = got["wrong field"]
    assert wrong.status is Status.FAILED
    assert "Table.BillingModeSummary.BillingMode: expected 'PROVISIONED', got" in wrong.message
    assert "PAY_PER_REQUEST" in wrong.message
    condition = got["failed condition"]
    assert condition.status is Status.FAILED
    assert "[BODY].Table.ItemCount (0) > 5" in condition.message
    unexpected = got["unexpected error"]
    assert unexpected.status is Status.FAILED and unexpected.http_status == 400
    assert "expected success, got ResourceNotFoundException, HTTP 400" in unexpected.message
    assert got["delete"].status is Status.PASSED


def test_aws_call_outputs_feed_later_steps_and_other_regions(
    write_suite: Writer, run_suite: Runner, moto_server: str, aws_client: Callable[..., Any]
) -> None:
    run_id = uuid.uuid4().hex[:10]
    got = run_steps(
        write_suite,
        run_suite,
        moto_server,
        """\
groups:
  - name: queues
    test:
      - name: create
        aws.call:
          service: sqs
          operation: CreateQueue
          region: eu-west-1
          params: {QueueName: "calls-${run.id}", Attributes: {VisibilityTimeout: 45}}
        outputs: {url: QueueUrl, sent_name: parameters.QueueName}
      - name: send
        aws.call:
          service: sqs
          operation: SendMessage
          region: eu-west-1
          params: {QueueUrl: "${url}", MessageBody: "hello from ${sent_name}"}
        expect: {fields: {MD5OfMessageBody: {regex: "^[0-9a-f]{32}$"}}}
      - name: attributes
        aws.call:
          service: sqs
          operation: GetQueueAttributes
          region: eu-west-1
          params: {QueueUrl: "${url}", AttributeNames: [All]}
        expect: {fields: {Attributes.VisibilityTimeout: 45, Attributes.QueueArn: {contains: eu-west-1}}}
      - name: other region
        aws.call: {service: sqs, operation: GetQueueUrl, params: {QueueName: "calls-${run.id}"}}
        expect: {error: AWS.SimpleQueueService.NonExistentQueue}
""",
        run_id,
    )
    bad = {name: r.message for name, r in got.items() if r.status is not Status.PASSED}
    assert not bad
    sqs = aws_client("sqs", "eu-west-1")
    url = sqs.get_queue_url(QueueName=f"calls-{run_id}")  # the suite's queue, seen directly
    messages = sqs.receive_message(QueueUrl=url["QueueUrl"])["Messages"]
    assert messages[0]["Body"].startswith("hello from calls-")
    sqs.delete_queue(QueueUrl=url["QueueUrl"])


@pytest.mark.parametrize(
    ("step", "message"),
    [
        (
            "aws.call: {service: dynamodbb, operation: DescribeTable}",
            "aws.call.service: unknown AWS service 'dynamodbb' (did you mean 'dynamodb'?)",
        ),
        (
            "aws.call: {service: dynamodb, operation: DescribeTabel, params: {TableName: t}}",
            "unknown operation 'DescribeTabel' of dynamodb (did you mean 'DescribeTable'?)",
        ),
        (
            "aws.call: {service: dynamodb, operation: describe_tabel, params: {TableName: t}}",
            "(did you mean 'describe_table'?)",
        ),
        (
            "aws.call: {service: dynamodb, operation: DescribeTable, params: {TableNme: t}}",
            "aws.call.params.TableNme: unknown parameter 'TableNme' (did you mean 'TableName'?)",
        ),
        (
            "aws.call: {service: dynamodb, operation: DescribeTable, params: {}}",
            "aws.call.params: missing required parameter 'TableName'",
        ),
        (
            "aws.call: {service: dynamodb, operation: ListTables, params: {Limit: many}}",
            "aws.call.params.Limit: should be an integer, got 'many'",
        ),
        (
            "aws.call: {service: sqs, operation: CreateQueue, params: {QueueName: [a]}}",
            "aws.call.params.QueueName: should be a string, got a list",
        ),
        (
            "aws.call: {service: dynamodb, operation: DescribeTable, params: {TableName: [a]}}",
            "should be a string",
        ),
        (
            "aws.call: {service: sqs, operaton: GetQueueUrl}",
            "unknown parameter 'operaton' (did you mean 'operation'?)",
        ),
        (
            "aws.call: {service: sqs, operation: GetQueueUrl, paginate: true, "
            "params: {QueueName: q}}",
            "aws.call.paginate: sqs GetQueueUrl has no pages to fetch",
        ),
        ("aws.call: {operation: GetQueueUrl}", "missing required parameter 'service'"),
        (
            "aws.resource: {type: 'AWS::SQS::Queu', name: q}",
            "unknown resource type 'AWS::SQS::Queu' (did you mean 'AWS::SQS::Queue'?)",
        ),
        ("aws.sqs_queue: {name: q, id: q}", "give the resource's 'id', its 'name', or its 'stack'"),
        (
            "aws.sqs_queue: {stack: s}",
            "with 'stack', give the resource's 'logical_id' or an 'output'",
        ),
        ("aws.sqs_queue: {name: q, output: o}", "'output' names a resource of a 'stack'"),
        (
            "aws.resource: {stack: s, output: o}",
            "missing required parameter 'type' (only 'stack' + 'logical_id' can do without)",
        ),
        ("aws.sqs_queue: {nme: q}", "unknown parameter 'nme' (did you mean 'name'?)"),
    ],
)
def test_aws_bad_parameters_are_located(write_suite: Writer, step: str, message: str) -> None:
    path = write_suite(
        TARGET
        + f"""\
groups:
  - name: g
    test:
      - name: bad
        {step}
"""
    )
    with pytest.raises(SuiteError) as caught:
        load_suite(path, Variables(overrides={"ENDPOINT": "http://127.0.0.1:9"}))
    text = str(caught.value)
    assert "suite.yaml:12:" in text and message in text, text


def test_aws_parameters_from_outputs_are_checked_when_the_step_runs(
    write_suite: Writer, run_suite: Runner, moto_server: str
) -> None:
    got = run_steps(
        write_suite,
        run_suite,
        moto_server,
        """\
groups:
  - name: g
    test:
      - name: identity
        aws.call: {service: sts, operation: GetCallerIdentity}
        outputs: {account: Account}
      - name: operation from an output
        aws.call: {service: sts, operation: "Get${account}"}
      - name: parameter from an output
        aws.call: {service: dynamodb, operation: ListTables, params: {Limit: "${account}x"}}
""",
    )
    assert got["identity"].status is Status.PASSED
    operation, parameter = got["operation from an output"], got["parameter from an output"]
    assert operation.status is Status.ERROR
    assert "unknown operation 'Get123456789012' of sts" in operation.message
    assert parameter.status is Status.ERROR
    assert "should be an integer, got '123456789012x'" in parameter.message


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ("endpoint: ftp://host", "endpoint must be an http:// or https:// URL"),
        ("endpoints: {dynamo: 'http://127.0.0.1:9'}", "unknown service 'dynamo' (did you mean"),
        ("endpoints: {sqs: not-a-url}", "endpoints.sqs must be an http:// or https:// URL"),
        ("regoin: eu-west-1", "unknown key 'regoin' (did you mean 'region'?)"),
        ("credentials: {c: {access_key: a}}", "secret_key"),
    ],
)
def test_aws_bad_target_settings_are_located(
    write_suite: Writer, settings: str, message: str
) -> None:
    path = write_suite(f"targets:\n  cloud:\n    type: aws\n    {settings}\ngroups: []\n")
    with pytest.raises(SuiteError) as caught:
        load_suite(path, Variables())
    text = str(caught.value)
    assert "suite.yaml:" in text and message in text, text


def test_aws_target_endpoint_forms() -> None:
    def endpoint(value: object) -> object:
        return AwsSettings.model_validate({"type": "aws", "endpoint": value}).endpoint

    assert AwsSettings.model_validate({"type": "aws"}).endpoint == "embedded"
    assert endpoint(None) is None and endpoint("") is None and endpoint("aws") is None
    assert endpoint("http://127.0.0.1:4566") == "http://127.0.0.1:4566"
    embedded = AwsSettings.model_validate({"type": "aws"})
    assert list(embedded.credentials) == ["default"]  # moto takes any keys
    assert AwsSettings.model_validate({"type": "aws", "endpoint": ""}).credentials == {}


def test_aws_embedded_target_is_the_default(write_suite: Writer, run_suite: Runner) -> None:
    path = write_suite(
        """\
targets:
  cloud: {type: aws}
groups:
  - name: g
    test:
      - aws.call: {service: sqs, operation: CreateQueue, params: {QueueName: "emb-${run.id}"}}
        outputs: {url: QueueUrl}
      - aws.sqs_queue: {id: "${url}"}
        expect: {fields: {Url: {regex: "^http://127\\\\.0\\\\.0\\\\.1:[0-9]+/"}}}
      - aws.call: {service: sqs, operation: DeleteQueue, params: {QueueUrl: "${url}"}}
"""
    )
    run = run_suite(path)
    assert [r.status for r in run.results] == [Status.PASSED] * 3, [r.message for r in run.results]


def test_aws_per_service_endpoints_and_unreachable_ones(
    write_suite: Writer, run_suite: Runner, moto_server: str
) -> None:
    closed = closed_port_url()
    path = write_suite(
        f"""\
targets:
  cloud:
    type: aws
    endpoint: {closed}
    endpoints: {{sqs: "{moto_server}"}}
    timeout: 2
    retries: {{max_attempts: 1}}
    credentials: {{ops: {{access_key: test, secret_key: test-secret}}}}
groups:
  - name: g
    test:
      - name: routed
        aws.call: {{service: sqs, operation: ListQueues}}
      - name: unreachable
        aws.call: {{service: dynamodb, operation: ListTables}}
"""
    )
    routed, unreachable = run_suite(path).results
    assert routed.status is Status.PASSED, routed.message
    assert unreachable.status is Status.ERROR
    assert unreachable.message.startswith("target 'cloud' unreachable:")
    assert closed in unreachable.message


def test_aws_probe_reaches_the_endpoint_and_every_override(moto_server: str) -> None:
    kind = AwsTargetType()
    closed = closed_port_url()
    cases = [
        ({"endpoint": moto_server}, None),
        ({"endpoint": closed}, f"target 'cloud' at {closed}"),
        ({"endpoint": moto_server, "endpoints": {"sqs": closed}}, "endpoint of sqs at"),
    ]
    for extra, problem in cases:
        settings = AwsSettings.model_validate(
            {
                "type": "aws",
                "timeout": 2,
                "credentials": {"c": {"access_key": "a", "secret_key": "b"}},
            }
            | extra
        )
        target = kind.open("cloud", settings, 1)
        try:
            if problem is None:
                kind.probe(target)
            else:
                with pytest.raises(TargetUnreachable, match=problem):
                    kind.probe(target)
        finally:
            target.close()


def test_aws_clients_are_shared_per_service_credential_and_region(moto_server: str) -> None:
    settings = AwsSettings.model_validate(
        {
            "type": "aws",
            "endpoint": moto_server,
            "region": "eu-central-1",
            "credentials": {
                "a": {"access_key": "a", "secret_key": "a-secret"},
                "b": {"access_key": "b", "secret_key": "b-secret", "region": "ap-south-1"},
            },
        }
    )
    target = AwsTargetType().open("cloud", settings, 4)
    try:
        first = target.client("sqs", "a")
        assert target.client("sqs", "a") is first
        assert target.client("sqs") is first  # the default credential is the first
        assert target.client("sqs", "b") is not first
        assert first.meta.region_name == "eu-central-1"
        assert target.client("sqs", "b").meta.region_name == "ap-south-1"
        assert target.client("sqs", "a", "us-west-2").meta.region_name == "us-west-2"
        assert first.meta.config.retries["total_max_attempts"] == 1
        assert target.describe()["endpoint"] == moto_server
    finally:
        target.close()


def test_aws_secrets_never_reach_the_output(
    write_suite: Writer, moto_server: str, aws_client: Callable[..., Any]
) -> None:
    secret_key = "aws-secret-key-7e1f0c"
    parameter_value = "hunter2-parameter-value"
    name = f"/assay/{uuid.uuid4().hex[:8]}/password"
    aws_client("ssm").put_parameter(Name=name, Value=parameter_value, Type="SecureString")
    path = write_suite(
        TARGET
        + f"""\
groups:
  - name: g
    test:
      - name: described
        aws.ssm_parameter: {{name: "{name}"}}
        debug: true
      - name: failing
        aws.ssm_parameter: {{name: "{name}"}}
        expect: {{fields: {{Type: String}}}}
      - name: call with the key in a message
        aws.call: {{service: sqs, operation: GetQueueUrl, params: {{QueueName: "${{SECRET}}"}}}}
"""
    )
    command = [sys.executable, "-m", "assay", "run", str(path), "--format", "json", "--quiet"]
    done = subprocess.run(
        [*command, "--var", f"ENDPOINT={moto_server}", "--var", f"SECRET={secret_key}"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert secret_key not in output and parameter_value not in output
    report = {r["name"]: r for r in json.loads(done.stdout)["results"]}
    described = report["described"]
    assert described["status"] == "passed"
    assert described["details"]["response"]["Type"] == "SecureString"
    assert described["details"]["response"]["Value"] is None
    assert report["failing"]["status"] == "failed"
    call = report["call with the key in a message"]
    assert call["status"] == "failed" and "***" in json.dumps(call)
