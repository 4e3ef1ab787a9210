"""Deploying, verifying and tearing down stacks against moto's CloudFormation (embedded).

moto keeps one state per process, so every test deploys into a region of its own (or names
its stacks after the run) and the session's raw clients (``aws_client``) see what the
embedded server of each run did.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from assay.core.results import RunResult, Status, StepResult

DEPLOY = Path(__file__).resolve().parents[1] / "data" / "stacks" / "deploy"
Runner = Callable[..., RunResult]
Writer = Callable[..., Path]
Client = Callable[..., Any]


def by_kind(result: RunResult) -> dict[str, list[StepResult]]:
    out: dict[str, list[StepResult]] = {}
    for step in result.results:
        out.setdefault(step.kind, []).append(step)
    return out


def statuses(result: RunResult) -> list[tuple[str, str, Status]]:
    return [(r.phase.value, r.kind, r.status) for r in result.results]


def response(step: StepResult) -> dict[str, Any]:
    data: dict[str, Any] = step.details["response"]
    return data


def live_stacks(aws: Client, region: str) -> dict[str, str]:
    summaries = aws("cloudformation", region).list_stacks()["StackSummaries"]
    return {
        s["StackName"]: s["StackStatus"] for s in summaries if s["StackStatus"] != "DELETE_COMPLETE"
    }


def test_stacks_example_cycle_deploys_verifies_destroys_and_leaves_nothing(
    write_suite: Writer, run_suite: Runner, cdk_assembly: Path, aws_client: Client
) -> None:
    region = "ca-central-1"
    path = write_suite(f"""\
targets:
  app: {{type: stacks, assembly: "{cdk_assembly}", region: {region}}}
groups:
  - name: cycle
    before:
      - stacks.inventory: {{}}
        debug: true
      - stacks.deploy: {{}}
        debug: true
        outputs:
          table: stacks.AssayData.outputs.TableName
          queue_url: stacks.AssayMessaging.outputs.QueueUrl
          function: stacks.AssayApi.outputs.FunctionName
    test:
      - name: by logical id
        aws.dynamodb_table: {{stack: AssayData, logical_id: Items5C12978B}}
        expect: {{fields: {{HashKey: pk, RangeKey: sk, BillingMode: PAY_PER_REQUEST}}}}
      - name: by an output captured from the deploy step
        aws.dynamodb_table: {{name: "${{table}}"}}
        expect: {{fields: {{TableStatus: ACTIVE}}}}
      - aws.sqs_queue: {{id: "${{queue_url}}"}}
        expect: {{fields: {{Attributes.VisibilityTimeout: "60"}}}}
      - aws.lambda_function: {{name: "${{function}}"}}
        expect: {{fields: {{Runtime: python3.12, Handler: index.handler}}}}
      - name: by the stack's output, without a captured value
        aws.s3_bucket: {{stack: AssayData, output: BucketName}}
        expect: {{fields: {{Encryption.SSEAlgorithm: AES256}}}}
      - name: type from the stack
        aws.resource: {{stack: AssayMessaging, logical_id: EventsD32975C2}}
        expect: {{fields: {{Type: sns.topic}}}}
      - aws.iam_role: {{stack: AssayApi, logical_id: HandlerRoleF4C27E12}}
    after:
      - stacks.destroy: {{}}
        debug: true
      - stacks.rollback_complete: {{}}
        debug: true
""")
    result = run_suite(path)
    assert all(r.status is Status.PASSED for r in result.results), [
        (r.name, r.message) for r in result.results
    ]
    steps = by_kind(result)
    deployed = response(steps["stacks.deploy"][0])
    assert deployed["waves"] == [["AssayData", "AssayMessaging"], ["AssayApi"]]
    assert deployed["change_sets"] is False  # auto: the embedded server's change sets lose outputs
    assert {s["action"] for s in deployed["stacks"].values()} == {"create"}
    table = deployed["stacks"]["AssayData"]["outputs"]["TableName"]
    assert deployed["stacks"]["AssayData"]["resources"]["Items5C12978B"]["physical_id"] == table
    # moto's CloudFormation creates no bucket policy, queue policy or subscription: said so
    assert sorted(line.split(" ")[1] for line in deployed["missing_ids"]) == [
        "(AWS::S3::BucketPolicy)",
        "(AWS::SNS::Subscription)",
        "(AWS::SQS::QueuePolicy)",
    ]
    inventory = response(steps["stacks.inventory"][0])
    assert inventory["services"] == [
        "s3",
        "dynamodb",
        "sqs",
        "sns",
        "iam",
        "lambda",
        "cloudformation",
    ]
    assert inventory["uncovered_types"] == [
        "AWS::IAM::Policy",
        "AWS::S3::BucketPolicy",
        "AWS::SNS::Subscription",
        "AWS::SQS::QueuePolicy",
    ]
    destroyed = response(steps["stacks.destroy"][0])
    assert destroyed["waves"] == [["AssayApi"], ["AssayData", "AssayMessaging"]]
    assert {s["status"] for s in destroyed["stacks"].values()} == {"DELETE_COMPLETE"}
    assert live_stacks(aws_client, region) == {}
    assert table not in aws_client("dynamodb", region).list_tables()["TableNames"]
    assert response(steps["stacks.rollback_complete"][0])["findings"] == []


def test_stacks_rollback_complete_catches_the_non_empty_bucket_moto_keeps(
    write_suite: Writer, run_suite: Runner, aws_client: Client
) -> None:
    path = write_suite(f"""\
targets:
  app:
    type: stacks
    region: eu-west-1
    templates: {{"leaky-${{run.id}}": "{DEPLOY / "bucket.yaml"}"}}
groups:
  - name: leak
    before:
      - stacks.inventory: {{}}
      - stacks.deploy: {{parameters: {{"leaky-${{run.id}}": {{BucketName: "leaky-${{run.id}}"}}}}}}
    test:
      - aws.call: {{service: s3, operation: PutObject,
                   params: {{Bucket: "leaky-${{run.id}}", Key: kept.txt, Body: kept}}}}
    after:
      - stacks.destroy: {{empty_buckets: false}}
        debug: true
      - stacks.rollback_complete: {{}}
        debug: true
""")
    result = run_suite(path)
    run = result.run_id
    steps = by_kind(result)
    destroy, complete = steps["stacks.destroy"][0], steps["stacks.rollback_complete"][0]
    # the stack status says all is well...
    assert response(destroy)["stacks"][f"leaky-{run}"]["status"] == "DELETE_COMPLETE"
    # ...but the bucket is still there, and both steps say so
    assert destroy.status is Status.FAILED and destroy.error_code == "ResourcesLeftBehind"
    assert f"left behind: s3.bucket:leaky-{run}" in destroy.message
    assert complete.status is Status.FAILED and complete.error_code == "ResourcesLeftBehind"
    assert f"left behind: s3.bucket:leaky-{run} (1 objects)" in complete.message
    created = response(complete)["regions"]["eu-west-1"]["created"]
    assert created == [f"s3.bucket:leaky-{run}"]
    s3 = aws_client("s3", "eu-west-1")
    s3.delete_object(Bucket=f"leaky-{run}", Key="kept.txt")
    s3.delete_bucket(Bucket=f"leaky-{run}")


def test_stacks_rollback_complete_catches_the_table_a_failed_update_leaks(
    write_suite: Writer, run_suite: Runner, aws_client: Client
) -> None:
    path = write_suite(f"""\
targets:
  app:
    type: stacks
    region: eu-west-2
    templates: {{"table-${{run.id}}": "{DEPLOY / "table.yaml"}"}}
groups:
  - name: update
    before:
      - stacks.inventory: {{}}
      - stacks.deploy: {{parameters: {{"table-${{run.id}}": {{TableName: "first-${{run.id}}"}}}}}}
    test:
      - name: an update moto cannot apply (a renamed table)
        stacks.deploy: {{parameters: {{"table-${{run.id}}": {{TableName: "second-${{run.id}}"}}}}}}
        debug: true
    after:
      - stacks.destroy: {{}}
        debug: true
      - stacks.rollback_complete: {{}}
""")
    result = run_suite(path)
    run = result.run_id
    steps = by_kind(result)
    update, destroy, complete = (
        steps["stacks.deploy"][1],
        steps["stacks.destroy"][0],
        steps["stacks.rollback_complete"][0],
    )
    assert response(update)["stacks"][f"table-{run}"]["status"] == "UPDATE_COMPLETE"
    assert response(destroy)["stacks"][f"table-{run}"]["status"] == "DELETE_COMPLETE"
    assert complete.status is Status.FAILED and complete.error_code == "ResourcesLeftBehind"
    assert f"left behind: dynamodb.table:first-{run}" in complete.message
    tables = aws_client("dynamodb", "eu-west-2").list_tables()["TableNames"]
    assert f"first-{run}" in tables  # what the statuses hide
    for table in tables:
        if table.endswith(run):
            aws_client("dynamodb", "eu-west-2").delete_table(TableName=table)


def test_stacks_destroy_empties_versioned_buckets_first(
    write_suite: Writer, run_suite: Runner, aws_client: Client
) -> None:
    path = write_suite(f"""\
targets:
  app:
    type: stacks
    region: eu-west-3
    templates: {{"versioned-${{run.id}}": "{DEPLOY / "bucket.yaml"}"}}
groups:
  - name: versions
    before:
      - stacks.inventory: {{}}
      - stacks.deploy: {{parameters: {{"versioned-${{run.id}}": {{BucketName: "versioned-${{run.id}}"}}}}}}
      - aws.call: {{service: s3, operation: PutBucketVersioning,
                   params: {{Bucket: "versioned-${{run.id}}",
                            VersioningConfiguration: {{Status: Enabled}}}}}}
    test:
      - aws.call: {{service: s3, operation: PutObject,
                   params: {{Bucket: "versioned-${{run.id}}", Key: a.txt, Body: one}}}}
      - aws.call: {{service: s3, operation: PutObject,
                   params: {{Bucket: "versioned-${{run.id}}", Key: a.txt, Body: two}}}}
      - aws.call: {{service: s3, operation: DeleteObject,
                   params: {{Bucket: "versioned-${{run.id}}", Key: a.txt}}}}
      - aws.s3_bucket: {{name: "versioned-${{run.id}}"}}
        expect: {{fields: {{Versioning: Enabled, Empty: true}}}}
    after:
      - stacks.destroy: {{}}
        debug: true
      - stacks.rollback_complete: {{}}
""")
    result = run_suite(path)
    run = result.run_id
    assert all(r.status is Status.PASSED for r in result.results), [
        (r.name, r.message) for r in result.results
    ]
    destroy = by_kind(result)["stacks.destroy"][0]
    assert response(destroy)["stacks"][f"versioned-{run}"]["emptied"] == {f"versioned-{run}": 3}
    names = [b["Name"] for b in aws_client("s3").list_buckets()["Buckets"]]
    assert f"versioned-{run}" not in names


def test_stacks_deploy_failure_names_the_stack_and_skips_later_waves(
    write_suite: Writer, run_suite: Runner, aws_client: Client
) -> None:
    region = "ap-southeast-1"
    path = write_suite(f"""\
targets:
  app:
    type: stacks
    region: {region}
    templates: ["{DEPLOY / "broken.yaml"}", "{DEPLOY / "after_broken.yaml"}"]
groups:
  - name: broken
    before:
      - stacks.deploy: {{}}
        debug: true
      - name: the stack moto left CREATE_IN_PROGRESS does not settle
        stacks.deploy: {{stacks: [broken], stack_timeout: 0.5}}
    test:
      - aws.sqs_queue: {{name: never-made}}
    after:
      - stacks.destroy: {{}}
        debug: true
""")
    result = run_suite(path)
    assert statuses(result) == [
        ("before", "stacks.deploy", Status.FAILED),
        ("before", "stacks.deploy", Status.SKIPPED),
        ("test", "aws.sqs_queue", Status.SKIPPED),
        ("after", "stacks.destroy", Status.PASSED),
    ]
    first = result.results[0]
    assert first.error_code == "ValidationError"
    assert "broken: No export named assay-test-nowhere found" in first.message
    assert "not deployed: after_broken (after a failed wave)" in first.message
    failed = response(first)["failed"]["broken"]
    assert failed["code"] == "ValidationError" and response(first)["skipped"] == ["after_broken"]
    destroyed = response(result.results[-1])["stacks"]
    assert destroyed["broken"]["action"] == "delete"  # a creation that never ended, cancelled
    assert destroyed["after_broken"]["action"] == "absent"
    assert live_stacks(aws_client, region) == {}


def test_stacks_deploy_times_out_on_a_stack_that_never_settles(
    write_suite: Writer, run_suite: Runner, aws_client: Client
) -> None:
    region = "ap-southeast-2"
    cfn = aws_client("cloudformation", region)
    with pytest.raises(cfn.exceptions.ClientError, match="No export named"):
        cfn.create_stack(StackName="broken", TemplateBody=(DEPLOY / "broken.yaml").read_text())
    assert set(live_stacks(aws_client, region)) == {"broken"}  # moto: CREATE_IN_PROGRESS forever
    path = write_suite(f"""\
targets:
  app:
    type: stacks
    region: {region}
    templates: ["{DEPLOY / "broken.yaml"}"]
groups:
  - name: wait
    test:
      - stacks.deploy: {{stack_timeout: 0.5, poll: 0.2}}
    after:
      - stacks.destroy: {{}}
""")
    result = run_suite(path)
    deploy, destroy = result.results
    assert deploy.status is Status.FAILED and deploy.error_code == "StackTimeout"
    assert "broken is still CREATE_IN_PROGRESS after 0.5s" in deploy.message
    assert destroy.status is Status.PASSED, destroy.message
    assert live_stacks(aws_client, region) == {}


def test_stacks_deploy_through_change_sets_records_changes_and_moto_loses_outputs(
    write_suite: Writer, run_suite: Runner, aws_client: Client
) -> None:
    region = "sa-east-1"
    path = write_suite(f"""\
targets:
  app:
    type: stacks
    region: {region}
    templates:
      "table-${{run.id}}": "{DEPLOY / "table.yaml"}"
      "bucket-${{run.id}}": "{DEPLOY / "bucket.yaml"}"
groups:
  - name: change sets
    test:
      - stacks.deploy:
          stacks: ["table-*"]
          change_sets: always
          parameters: {{"table-${{run.id}}": {{TableName: "cs-${{run.id}}"}}}}
        debug: true
      - aws.dynamodb_table: {{stack: "table-${{run.id}}", logical_id: Table}}
        expect: {{fields: {{Name: "cs-${{run.id}}"}}}}
      - stacks.deploy:
          stacks: ["bucket-*"]
          change_sets: always
          parameters: {{"bucket-${{run.id}}": {{BucketName: "cs-${{run.id}}"}}}}
        debug: true
    after:
      - stacks.destroy: {{}}
""")
    result = run_suite(path)
    run = result.run_id
    table, created, bucket, destroy = result.results
    assert table.status is Status.PASSED, table.message
    done = response(table)["stacks"][f"table-{run}"]
    assert response(table)["change_sets"] is True
    assert done["changes"] == [
        {
            "action": "Add",
            "logical_id": "Table",
            "type": "AWS::DynamoDB::Table",
            "replacement": None,
        }
    ]
    assert created.status is Status.PASSED, created.message
    # moto's ExecuteChangeSet publishes no outputs: assay says so instead of trusting the status
    assert bucket.status is Status.FAILED and bucket.error_code == "OutputsMissing"
    assert "reports no value for the outputs its template declares: BucketName" in bucket.message
    assert "change_sets: never" in bucket.message
    assert destroy.status is Status.PASSED, destroy.message
    assert live_stacks(aws_client, region) == {}


def test_stacks_deploy_parameters_are_checked_and_no_echo_values_masked(
    write_suite: Writer, run_suite: Runner, aws_client: Client
) -> None:
    region = "eu-north-1"
    token = "tok-3f9a2c71e5"
    source = f"""\
targets:
  app:
    type: stacks
    region: {region}
    templates: {{"secret-${{run.id}}": "{DEPLOY / "secret.yaml"}"}}
groups:
  - name: parameters
    test:
      - stacks.deploy: {{parameters: {{"secret-${{run.id}}": {{Tokn: x}}}}}}
      - stacks.deploy: {{parameters: {{"secrets-${{run.id}}": {{Token: x}}}}}}
      - stacks.deploy: {{parameters: {{"secret-${{run.id}}": {{Token: {token}}}}}}}
        debug: true
      - aws.call: {{service: ssm, operation: GetParameter,
                   params: {{Name: "/assay/secret-${{run.id}}/token"}}}}
        debug: true
    after:
      - stacks.destroy: {{}}
"""
    result = run_suite(write_suite(source))
    run = result.run_id
    typo, unknown, good, read, destroy = result.results
    assert typo.status is Status.ERROR
    assert f"secret-{run} has no parameter 'Tokn' (did you mean 'Token'?)" in typo.message
    assert unknown.status is Status.ERROR
    assert (
        f"secrets-{run} is not a stack to deploy (did you mean 'secret-{run}'?)" in unknown.message
    )
    assert good.status is Status.PASSED and read.status is Status.PASSED, good.message
    assert token not in json.dumps(result.to_dict())  # NoEcho: registered as a secret
    assert destroy.status is Status.PASSED and live_stacks(aws_client, region) == {}


def test_aws_kinds_through_a_stack_fail_clearly(
    write_suite: Writer, run_suite: Runner, cdk_assembly: Path
) -> None:
    path = write_suite(f"""\
targets:
  app: {{type: stacks, assembly: "{cdk_assembly}", region: us-west-1}}
groups:
  - name: lookups
    before: [{{stacks.deploy: {{stacks: [AssayData]}}}}]
    test:
      - aws.dynamodb_table: {{stack: AssayData, logical_id: Items}}
      - aws.dynamodb_table: {{stack: AssayData, logical_id: Uploads4F6EB0FD}}
      - aws.resource: {{stack: AssayData, logical_id: UploadsPolicy148F8199}}
      - aws.s3_bucket: {{stack: AssayData, output: Bucket}}
      - aws.s3_bucket: {{stack: AssayNowhere, output: BucketName}}
      - aws.dynamodb_table: {{stack: AssayData, logical_id: Items}}
        expect: {{error: ResourceNotFound}}
    after: [{{stacks.destroy: {{stacks: [AssayData]}}}}]
""")
    result = run_suite(path)
    by_index = [r for r in result.results if r.phase.value == "test"]
    wrong_id, wrong_kind, no_id, no_output, no_stack, expected = by_index
    assert wrong_id.status is Status.FAILED
    assert "stack 'AssayData' has no resource 'Items' (did you mean 'Items5C12978B'?)" in (
        wrong_id.message
    )
    assert wrong_kind.status is Status.ERROR
    assert "is an AWS::S3::Bucket, not a DynamoDB table: use aws.s3_bucket" in wrong_kind.message
    # moto does not list the policy it could not create at all
    assert no_id.status is Status.FAILED
    assert "stack 'AssayData' has no resource 'UploadsPolicy148F8199'" in no_id.message
    assert no_output.status is Status.FAILED
    assert "has no output 'Bucket' (did you mean 'BucketName'?)" in no_output.message
    assert no_stack.status is Status.FAILED
    assert "CloudFormation stack 'AssayNowhere' does not exist" in no_stack.message
    assert expected.status is Status.PASSED
    assert result.results[-1].status is Status.PASSED


def test_stacks_destroy_runs_after_a_failed_verification_under_fail_fast(
    write_suite: Writer, run_suite: Runner, aws_client: Client
) -> None:
    region = "us-west-2"
    path = write_suite(f"""\
targets:
  app:
    type: stacks
    region: {region}
    templates: {{"ff-${{run.id}}": "{DEPLOY / "table.yaml"}"}}
groups:
  - name: fail fast
    before:
      - stacks.inventory: {{}}
      - stacks.deploy: {{parameters: {{"ff-${{run.id}}": {{TableName: "ff-${{run.id}}"}}}}}}
    test:
      - aws.dynamodb_table: {{name: "ff-${{run.id}}"}}
        expect: {{fields: {{BillingMode: PROVISIONED}}}}
      - aws.dynamodb_table: {{name: "ff-${{run.id}}"}}
    after:
      - stacks.destroy: {{}}
      - stacks.rollback_complete: {{}}
""")
    result = run_suite(path, fail_fast=True)
    assert statuses(result) == [
        ("before", "stacks.inventory", Status.PASSED),
        ("before", "stacks.deploy", Status.PASSED),
        ("test", "aws.dynamodb_table", Status.FAILED),
        ("test", "aws.dynamodb_table", Status.SKIPPED),
        ("after", "stacks.destroy", Status.PASSED),
        ("after", "stacks.rollback_complete", Status.PASSED),
    ]
    assert live_stacks(aws_client, region) == {}


def test_stacks_rollback_complete_without_an_inventory_is_an_error(
    write_suite: Writer, run_suite: Runner
) -> None:
    path = write_suite(f"""\
targets:
  app: {{type: stacks, templates: ["{DEPLOY / "table.yaml"}"]}}
groups:
  - name: g
    test: [{{stacks.rollback_complete: {{}}}}]
""")
    (step,) = run_suite(path).results
    assert step.status is Status.ERROR
    assert "no inventory of target 'app' to compare with: add stacks.inventory" in step.message


def test_stacks_rollback_complete_catches_what_describing_a_deleted_stack_recreates(
    write_suite: Writer, run_suite: Runner, cdk_assembly: Path, aws_client: Client
) -> None:
    # moto evaluates a stack's outputs on DescribeStacks, even for a deleted stack asked for by
    # its id, and creates again the resources they refer to: a third leak no status shows
    region = "me-south-1"
    path = write_suite(f"""\
targets:
  app: {{type: stacks, assembly: "{cdk_assembly}", region: {region}}}
groups:
  - name: ghost
    before:
      - stacks.inventory: {{stacks: [AssayData]}}
      - stacks.deploy: {{stacks: [AssayData]}}
        outputs: {{stack_id: stacks.AssayData.stack_id}}
    after:
      - stacks.destroy: {{stacks: [AssayData]}}
      - name: the deleted stack, by its id
        aws.cloudformation_stack: {{id: "${{stack_id}}"}}
        expect: {{error: ResourceNotFound}}
      - stacks.rollback_complete: {{}}
        debug: true
""")
    result = run_suite(path)
    assert statuses(result) == [
        ("before", "stacks.inventory", Status.PASSED),
        ("before", "stacks.deploy", Status.PASSED),
        ("after", "stacks.destroy", Status.PASSED),
        ("after", "aws.cloudformation_stack", Status.PASSED),
        ("after", "stacks.rollback_complete", Status.FAILED),
    ]
    created = response(result.results[-1])["regions"][region]["created"]
    assert sorted(key.split(":")[0] for key in created) == ["dynamodb.table", "s3.bucket"]
    assert all("assaydata-uploads" in k or "AssayData-Items" in k for k in created)
    for key in created:
        kind, name = key.split(":", 1)
        if kind == "s3.bucket":
            aws_client("s3", region).delete_bucket(Bucket=name)
        else:
            aws_client("dynamodb", region).delete_table(TableName=name)


def test_stacks_output_url_feeds_an_http_check(
    write_suite: Writer, run_suite: Runner, aws_client: Client
) -> None:
    from tests.support.http_service import HttpService

    service = HttpService()
    try:
        path = write_suite(f"""\
targets:
  app:
    type: stacks
    region: af-south-1
    templates: {{"endpoint-${{run.id}}": "{DEPLOY / "endpoint.yaml"}"}}
  web: {{type: http, base_url: "http://127.0.0.1:9"}}
groups:
  - name: api
    target: app
    before:
      - stacks.deploy: {{parameters: {{"endpoint-${{run.id}}": {{Endpoint: "{service.url}"}}}}}}
        outputs: {{health: 'stacks."endpoint-${{run.id}}".outputs.HealthUrl'}}
    test:
      - name: the URL the stack reports answers
        http.request: {{path: "${{health}}"}}
        target: web
        expect: {{conditions: ["[STATUS] == 200", "[BODY].status == ok"]}}
    after:
      - stacks.destroy: {{}}
""")
        result = run_suite(path)
    finally:
        service.stop()
    assert [(r.kind, r.status) for r in result.results] == [
        ("stacks.deploy", Status.PASSED),
        ("http.request", Status.PASSED),
        ("stacks.destroy", Status.PASSED),
    ], [r.message for r in result.results]
    assert live_stacks(aws_client, "af-south-1") == {}


def test_stacks_target_opens_its_account_only_when_needed_and_probes_real_endpoints(
    moto_server: str,
) -> None:
    from assay.checks.stacks import StacksSettings, StacksTargetType
    from assay.core.errors import TargetUnreachable

    kind = StacksTargetType()
    source = {"type": "stacks", "templates": [str(DEPLOY / "table.yaml")]}
    embedded = kind.open("app", StacksSettings.model_validate(source), 4)
    try:
        kind.probe(embedded)  # nothing to reach: the embedded server starts at first use
        assert not embedded.account.opened
        assert embedded.describe()["embedded"] is True
        assert embedded.settings.credentials["default"].access_key == "assay-embedded"
    finally:
        embedded.close()
    keys = {"ci": {"access_key": "a", "secret_key": "b"}}
    at_moto = {**source, "endpoint": moto_server, "credentials": keys}
    reachable = kind.open("app", StacksSettings.model_validate(at_moto), 4)
    try:
        kind.probe(reachable)
        assert reachable.account.opened
    finally:
        reachable.close()
    closed = StacksSettings.model_validate({**at_moto, "endpoint": "http://127.0.0.1:9"})
    unreachable = kind.open("app", closed, 4)
    try:
        with pytest.raises(TargetUnreachable, match="target 'app' at http://127.0.0.1:9"):
            kind.probe(unreachable)
    finally:
        unreachable.close()
