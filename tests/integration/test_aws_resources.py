"""``aws.resource`` and the ready-made kinds against real moto resources: pass, fail, missing."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from assay.core.results import RunResult, Status
from tests.support.aws import TRUST, zipped_handler

Writer = Callable[..., Path]
Runner = Callable[..., RunResult]
Client = Callable[..., Any]

TARGET = {
    "cloud": {
        "type": "aws",
        "endpoint": "${ENDPOINT}",
        "retries": {"max_attempts": 1},
        "credentials": {"ops": {"access_key": "test", "secret_key": "test-secret"}},
    }
}


def make_bucket(aws: Client, name: str) -> str:
    s3 = aws("s3")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(
        Bucket=name,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
        },
    )
    s3.put_public_access_block(
        Bucket=name,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": "team", "Value": "data"}]})
    s3.put_object(Bucket=name, Key="a.txt", Body=b"a")
    return name


def make_table(aws: Client, name: str) -> str:
    ddb = aws("dynamodb")
    ddb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        Tags=[{"Key": "team", "Value": "data"}],
    )
    ddb.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"}
    )
    return name


def make_queue(aws: Client, name: str) -> str:
    sqs = aws("sqs")
    dlq = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])
    redrive = {"deadLetterTargetArn": dlq_arn["Attributes"]["QueueArn"], "maxReceiveCount": 3}
    url: str = sqs.create_queue(
        QueueName=name,
        Attributes={"VisibilityTimeout": "45", "RedrivePolicy": json.dumps(redrive)},
        tags={"team": "data"},
    )["QueueUrl"]
    return url  # by URL, as a stack's physical id names it


def make_topic(aws: Client, name: str) -> str:
    sns = aws("sns")
    arn: str = sns.create_topic(Name=name, Tags=[{"Key": "team", "Value": "data"}])["TopicArn"]
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:123456789012:x")
    return arn


def make_role(aws: Client, name: str) -> str:
    iam = aws("iam")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST), Path="/app/")
    iam.put_role_policy(
        RoleName=name,
        PolicyName="read-table",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}],
            }
        ),
    )
    policy = iam.create_policy(
        PolicyName=f"{name}-queues",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}],
            }
        ),
    )["Policy"]
    iam.attach_role_policy(RoleName=name, PolicyArn=policy["Arn"])
    return name


def make_function(aws: Client, name: str) -> str:
    role = aws("iam").create_role(
        RoleName=f"{name}-role", AssumeRolePolicyDocument=json.dumps(TRUST)
    )
    aws("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="index.handler",
        Code={"ZipFile": zipped_handler()},
        MemorySize=256,
        Environment={"Variables": {"STAGE": "test"}},
        Tags={"team": "data"},
    )
    return name


def make_log_group(aws: Client, name: str) -> str:
    logs = aws("logs")
    group = f"/assay/{name}"
    logs.create_log_group(logGroupName=group, tags={"team": "data"})
    logs.put_retention_policy(logGroupName=group, retentionInDays=14)
    return group


def make_parameter(aws: Client, name: str) -> str:
    parameter = f"/assay/{name}/url"
    aws("ssm").put_parameter(
        Name=parameter,
        Value="https://example.test/api",
        Type="String",
        Tags=[{"Key": "team", "Value": "data"}],
    )
    return parameter


def make_policy(aws: Client, name: str) -> str:
    arn: str = aws("iam").create_policy(
        PolicyName=name,
        Path="/team/",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
            }
        ),
        Tags=[{"Key": "team", "Value": "data"}],
    )["Policy"]["Arn"]
    return arn


def make_stack(aws: Client, name: str) -> str:
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": name}}},
        "Outputs": {"TopicArn": {"Value": {"Ref": "Topic"}}},
    }
    aws("cloudformation").create_stack(
        StackName=name, TemplateBody=json.dumps(template), Tags=[{"Key": "team", "Value": "data"}]
    )
    return name


@dataclass
class Case:
    kind: str
    make: Callable[[Client, str], str]
    key: str  # id or name
    fields: dict[str, Any]  # all must hold on the arranged resource
    wrong: dict[str, Any]  # one property the resource does not have
    noun: str
    params: dict[str, Any] | None = None  # more parameters of the kind


CASES = [
    Case(
        "aws.s3_bucket",
        make_bucket,
        "name",
        {
            "Versioning": "Enabled",
            "Encryption.SSEAlgorithm": "aws:kms",
            "PublicAccessBlock.BlockPublicAcls": True,
            "Tags.team": "data",
            "Empty": False,
            "Region": "us-east-1",
        },
        {"PublicAccessBlock.BlockPublicPolicy": False},
        "S3 bucket",
    ),
    Case(
        "aws.dynamodb_table",
        make_table,
        "name",
        {
            "BillingMode": "PAY_PER_REQUEST",
            "HashKey": "pk",
            "RangeKey": "sk",
            "TableStatus": "ACTIVE",
            "TimeToLive.AttributeName": "expires",
            "Tags.team": "data",
            "Arn": {"regex": "^arn:aws:dynamodb:us-east-1:[0-9]{12}:table/"},
        },
        {"BillingMode": "PROVISIONED"},
        "DynamoDB table",
    ),
    Case(
        "aws.sqs_queue",
        make_queue,
        "id",
        {
            "Attributes.VisibilityTimeout": 45,
            "Attributes.RedrivePolicy.maxReceiveCount": 3,
            "DeadLetterTargetArn": {"regex": "-dlq$"},
            "Fifo": False,
            "Tags.team": "data",
        },
        {"Attributes.VisibilityTimeout": 30},
        "SQS queue",
    ),
    Case(
        "aws.sns_topic",
        make_topic,
        "id",
        {
            "Subscriptions[0].Protocol": "sqs",
            "length(Subscriptions)": 1,
            "Tags.team": "data",
            "Attributes.Policy.Statement[0].Effect": "Allow",
        },
        {"Fifo": True},
        "SNS topic",
    ),
    Case(
        "aws.iam_role",
        make_role,
        "name",
        {
            "Path": "/app/",
            "AssumeRolePolicyDocument.Statement[0].Principal.Service": "lambda.amazonaws.com",
            'InlinePolicies."read-table".Statement[0].Action': "dynamodb:GetItem",
            "AttachedPolicies[0].Document.Statement[0].Action": "sqs:*",
        },
        {"AttachedPolicies[0].Document.Statement[0].Action": "s3:*"},
        "IAM role",
    ),
    Case(
        "aws.lambda_function",
        make_function,
        "name",
        {
            "Runtime": "python3.12",
            "Handler": "index.handler",
            "MemorySize": 256,
            "Environment.Variables.STAGE": "test",
            "Tags.team": "data",
            "Role": {"regex": ":role/"},
        },
        {"MemorySize": 128},
        "Lambda function",
    ),
    Case(
        "aws.log_group",
        make_log_group,
        "name",
        {"RetentionInDays": 14, "Tags.team": "data", "Arn": {"regex": ":log-group:/assay/"}},
        {"RetentionInDays": 30},
        "log group",
    ),
    Case(
        "aws.ssm_parameter",
        make_parameter,
        "name",
        {"Type": "String", "Value": "https://example.test/api", "Tags.team": "data"},
        {"Value": {"regex": "^http://"}},
        "SSM parameter",
    ),
    Case(
        "aws.iam_policy",
        make_policy,
        "id",
        {"Path": "/team/", "Document.Statement[0].Action": "s3:GetObject", "Tags.team": "data"},
        {"Document.Statement[0].Effect": "Deny"},
        "IAM policy",
    ),
    Case(
        "aws.cloudformation_stack",
        make_stack,
        "name",
        {
            "StackStatus": "CREATE_COMPLETE",
            "Outputs.TopicArn": {"regex": "^arn:aws:sns:"},
            "Resources.Topic.Type": "AWS::SNS::Topic",
            "Tags.team": "data",
            "TemplateSha256": {"regex": "^[0-9a-f]{64}$"},
        },
        {"Outputs.TopicArn": {"regex": ":elsewhere$"}},
        "CloudFormation stack",
    ),
    Case(
        "aws.resource",
        make_queue,
        "id",
        {"Type": "sqs.queue", "Attributes.VisibilityTimeout": 45},
        {"Fifo": True},
        "SQS queue",
        {"type": "aws_sqs_queue"},
    ),
]


def run_steps(
    write_suite: Writer, run_suite: Runner, moto_server: str, steps: list[dict[str, Any]]
) -> list[Any]:
    suite = {"targets": TARGET, "groups": [{"name": "g", "test": steps}]}
    path = write_suite(yaml.safe_dump(suite, sort_keys=False))
    return run_suite(path, {"ENDPOINT": moto_server}).results


@pytest.mark.parametrize("case", CASES, ids=[c.kind for c in CASES])
def test_resource_kind_passes_fails_and_reports_missing(
    case: Case,
    write_suite: Writer,
    run_suite: Runner,
    moto_server: str,
    aws_client: Client,
) -> None:
    name = f"res-{uuid.uuid4().hex[:10]}"
    ident = case.make(aws_client, name)
    missing = ident.replace(name, f"{name}-gone")
    present, gone = (
        {case.key: ident, **(case.params or {})},
        {case.key: missing, **(case.params or {})},
    )
    good, wrong, failed, absent = run_steps(
        write_suite,
        run_suite,
        moto_server,
        [
            {case.kind: present, "expect": {"fields": case.fields}},
            {case.kind: present, "expect": {"fields": case.wrong}},
            {case.kind: gone},
            {case.kind: gone, "expect": {"error": "ResourceNotFound"}},
        ],
    )
    assert good.status is Status.PASSED, good.message
    assert wrong.status is Status.FAILED
    assert next(iter(case.wrong)) in wrong.message
    assert failed.status is Status.FAILED and failed.error_code == "ResourceNotFound"
    assert f"{case.noun} '" in failed.message and "does not exist" in failed.message
    assert absent.status is Status.PASSED


STACK = {
    "Parameters": {"Stage": {"Type": "String", "Default": "test"}},
    "Resources": {
        "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "${BUCKET}"}},
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "${QUEUE}"}},
        "Table": {
            "Type": "AWS::DynamoDB::Table",
            "Properties": {
                "TableName": "${TABLE}",
                "BillingMode": "PAY_PER_REQUEST",
                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            },
        },
    },
    "Outputs": {
        "QueueUrl": {"Value": {"Ref": "Queue"}},
        "TableArn": {"Value": {"Fn::GetAtt": ["Table", "Arn"]}},
        "BucketName": {"Value": {"Ref": "Bucket"}},
    },
}


def test_resources_by_physical_ids_from_a_stack(
    write_suite: Writer, run_suite: Runner, moto_server: str, aws_client: Client
) -> None:
    run = uuid.uuid4().hex[:10]
    names = {"BUCKET": f"stk-{run}", "QUEUE": f"stk-{run}", "TABLE": f"stk-{run}"}
    template = json.dumps(STACK)
    for key, value in names.items():
        template = template.replace("${" + key + "}", value)
    aws_client("cloudformation").create_stack(StackName=f"stk-{run}", TemplateBody=template)
    steps = [
        {
            "name": "stack",
            "aws.cloudformation_stack": {"name": f"stk-{run}"},
            "expect": {
                "fields": {
                    "StackStatus": "CREATE_COMPLETE",
                    "Parameters.Stage": "test",
                    "Resources.Queue.Type": "AWS::SQS::Queue",
                }
            },
            "outputs": {
                "queue_url": "Outputs.QueueUrl",
                "table_arn": "Outputs.TableArn",
                "bucket_id": "Resources.Bucket.PhysicalId",
            },
        },
        # CloudFormation names the queue by AWS's URL, not the endpoint's: still found
        {"name": "queue", "aws.resource": {"type": "AWS::SQS::Queue", "id": "${queue_url}"}},
        {
            "name": "table",
            "aws.resource": {"type": "aws_dynamodb_table", "id": "${table_arn}"},
            "expect": {"fields": {"Name": f"stk-{run}"}, "conditions": ["[BODY].ItemCount == 0"]},
            "outputs": {"table": "Name"},
        },
        {
            "name": "bucket",
            "aws.resource": {"type": "s3.bucket", "id": "${bucket_id}"},
            "expect": {"contains": {"Versioning": "Disabled", "Tags": {}, "Name": "^stk-"}},
        },
        {
            "name": "outputs reach later steps",
            "aws.call": {
                "service": "dynamodb",
                "operation": "DescribeTable",
                "params": {"TableName": "${table}"},
            },
        },
        {
            "name": "a wrong condition fails",
            "aws.resource": {"type": "AWS::DynamoDB::Table", "id": "${table_arn}"},
            "expect": {"conditions": ["len([BODY].KeySchema) == 2"]},
        },
    ]
    got = {r.name: r for r in run_steps(write_suite, run_suite, moto_server, steps)}
    for name in ("stack", "queue", "table", "bucket", "outputs reach later steps"):
        assert got[name].status is Status.PASSED, (name, got[name].message)
    failed = got["a wrong condition fails"]
    assert failed.status is Status.FAILED
    assert "len([BODY].KeySchema) (1) == 2" in failed.message
    aws_client("cloudformation").delete_stack(StackName=f"stk-{run}")


def test_resource_stack_deleted_is_missing(
    write_suite: Writer, run_suite: Runner, moto_server: str, aws_client: Client
) -> None:
    name = f"gone-{uuid.uuid4().hex[:10]}"
    cfn = aws_client("cloudformation")
    template = {"Resources": {"T": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": name}}}}
    stack_id = cfn.create_stack(StackName=name, TemplateBody=json.dumps(template))["StackId"]
    cfn.delete_stack(StackName=name)
    (by_id,) = run_steps(
        write_suite, run_suite, moto_server, [{"aws.cloudformation_stack": {"id": stack_id}}]
    )
    assert by_id.status is Status.FAILED and by_id.error_code == "ResourceNotFound"
    assert f"CloudFormation stack '{name}' was deleted" in by_id.message
