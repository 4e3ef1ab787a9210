"""Inventories of a real moto account: create, change, restore, delete, leave behind, diff."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from assay.checks.aws import inventory
from assay.checks.aws.inventory import Inventory
from tests.support.aws import TRUST, zipped_handler

Client = Callable[..., Any]
EXTRA = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}],
}


def table_template(name: str, key: str = "id") -> str:
    return json.dumps(
        {
            "Resources": {
                "Table": {
                    "Type": "AWS::DynamoDB::Table",
                    "Properties": {
                        "TableName": name,
                        "BillingMode": "PAY_PER_REQUEST",
                        "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
                        "AttributeDefinitions": [{"AttributeName": key, "AttributeType": "S"}],
                    },
                }
            }
        }
    )


def arrange(aws: Client, run: str) -> dict[str, str]:
    """One resource of every inventoried type; returns their keys by short name."""
    aws("s3").create_bucket(Bucket=f"inv-{run}")
    aws("s3").put_object(Bucket=f"inv-{run}", Key="one", Body=b"1")
    aws("dynamodb").create_table(
        TableName=f"inv-{run}",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
    )
    aws("sqs").create_queue(QueueName=f"inv-{run}", Attributes={"VisibilityTimeout": "30"})
    aws("sns").create_topic(Name=f"inv-{run}")
    role = aws("iam").create_role(RoleName=f"inv-{run}", AssumeRolePolicyDocument=json.dumps(TRUST))
    aws("iam").create_policy(
        PolicyName=f"inv-{run}",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
            }
        ),
    )
    aws("lambda").create_function(
        FunctionName=f"inv-{run}",
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="index.handler",
        Code={"ZipFile": zipped_handler()},
    )
    aws("logs").create_log_group(logGroupName=f"/inv/{run}")
    aws("logs").put_retention_policy(logGroupName=f"/inv/{run}", retentionInDays=7)
    aws("ssm").put_parameter(Name=f"/inv/{run}", Value="one", Type="String")
    aws("cloudformation").create_stack(
        StackName=f"inv-{run}", TemplateBody=table_template(f"inv-stack-{run}")
    )
    return {
        "bucket": f"s3.bucket:inv-{run}",
        "table": f"dynamodb.table:inv-{run}",
        "stack table": f"dynamodb.table:inv-stack-{run}",
        "queue": f"sqs.queue:inv-{run}",
        "topic": f"sns.topic:inv-{run}",
        "role": f"iam.role:inv-{run}",
        "policy": f"iam.policy:inv-{run}",
        "function": f"lambda.function:inv-{run}",
        "log group": f"logs.log_group:/inv/{run}",
        "parameter": f"ssm.parameter:/inv/{run}",
        "stack": f"cloudformation.stack:inv-{run}",
    }


def test_inventory_sees_creation_change_restoration_and_deletion(
    moto_server: str, aws_client: Client
) -> None:
    run = uuid.uuid4().hex[:10]
    before = inventory.take(aws_client)
    keys = arrange(aws_client, run)

    made = inventory.take(aws_client)
    created = inventory.diff(before, made)
    assert {e.key for e in created.created} == set(keys.values())
    assert not created.deleted and not created.changed and created.complete
    assert made.get("AWS::S3::Bucket", f"inv-{run}").properties["ObjectCount"] == 1  # type: ignore[union-attr]
    again = inventory.diff(made, inventory.take(aws_client))
    assert again.clean, again.lines()  # nothing volatile leaks into fingerprints

    aws = aws_client
    queue = aws("sqs").get_queue_url(QueueName=f"inv-{run}")["QueueUrl"]
    aws("sqs").set_queue_attributes(QueueUrl=queue, Attributes={"VisibilityTimeout": "60"})
    aws("s3").put_object(Bucket=f"inv-{run}", Key="two", Body=b"2")
    aws("iam").put_role_policy(
        RoleName=f"inv-{run}", PolicyName="extra", PolicyDocument=json.dumps(EXTRA)
    )
    aws("ssm").put_parameter(Name=f"/inv/{run}", Value="two", Type="String", Overwrite=True)
    aws("dynamodb").delete_table(TableName=f"inv-{run}")
    # changed and put back: restored, so not reported
    aws("logs").put_retention_policy(logGroupName=f"/inv/{run}", retentionInDays=30)
    aws("logs").put_retention_policy(logGroupName=f"/inv/{run}", retentionInDays=7)
    aws("sns").set_topic_attributes(
        TopicArn=made.entries[keys["topic"]].arn, AttributeName="DisplayName", AttributeValue="x"
    )
    aws("sns").set_topic_attributes(
        TopicArn=made.entries[keys["topic"]].arn, AttributeName="DisplayName", AttributeValue=""
    )

    after = inventory.take(aws_client)
    found = inventory.diff(made, after)
    assert [e.key for e in found.deleted] == [keys["table"]]
    assert not found.created
    changed = {c.key: {p.path: (p.before, p.after) for p in c.changes} for c in found.changed}
    assert set(changed) == {keys["queue"], keys["bucket"], keys["role"], keys["parameter"]}
    assert changed[keys["queue"]] == {"Attributes.VisibilityTimeout": ("30", "60")}
    assert changed[keys["bucket"]] == {"ObjectCount": (1, 2)}
    assert changed[keys["parameter"]] == {"Value": ("one", "two")}
    assert changed[keys["role"]] == {"InlinePolicies.extra": (None, EXTRA)}
    assert not found.clean
    assert f"deleted: {keys['table']}" in found.lines()
    assert f'changed: {keys["queue"]} (Attributes.VisibilityTimeout "30" -> "60")' in found.lines()


def test_inventory_catches_leaks_that_stack_status_hides(aws_client: Client) -> None:
    run = uuid.uuid4().hex[:10]
    cfn, s3 = aws_client("cloudformation"), aws_client("s3")
    services = ["s3", "dynamodb", "cloudformation"]
    before = inventory.take(aws_client, services)

    # a non-empty bucket: moto says DELETE_COMPLETE and keeps the bucket
    bucket_stack = {
        "Resources": {"B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": f"leak-{run}"}}}
    }
    cfn.create_stack(StackName=f"leak-b-{run}", TemplateBody=json.dumps(bucket_stack))
    s3.put_object(Bucket=f"leak-{run}", Key="left.txt", Body=b"x")
    cfn.delete_stack(StackName=f"leak-b-{run}")
    # an update moto cannot apply (a renamed table) reports UPDATE_COMPLETE; the old table
    # then outlives the stack's deletion
    cfn.create_stack(StackName=f"leak-t-{run}", TemplateBody=table_template(f"leak-a-{run}"))
    cfn.update_stack(StackName=f"leak-t-{run}", TemplateBody=table_template(f"leak-b-{run}"))
    cfn.delete_stack(StackName=f"leak-t-{run}")
    statuses = {
        s["StackName"]: s["StackStatus"]
        for s in cfn.list_stacks()["StackSummaries"]
        if s["StackName"].endswith(run)
    }
    assert set(statuses.values()) == {"DELETE_COMPLETE"}  # what a status check would trust

    found = inventory.diff(before, inventory.take(aws_client, services))
    left = {e.key: e for e in found.created}
    assert set(left) == {f"s3.bucket:leak-{run}", f"dynamodb.table:leak-a-{run}"}
    assert left[f"s3.bucket:leak-{run}"].properties["ObjectCount"] == 1
    assert f"left behind: s3.bucket:leak-{run}" in found.lines()


def test_inventory_serialises_and_finds_entries_by_any_id(aws_client: Client) -> None:
    run = uuid.uuid4().hex[:10]
    url = aws_client("sqs").create_queue(QueueName=f"ser-{run}")["QueueUrl"]
    taken = inventory.take(aws_client, ["sqs"])
    restored = Inventory.from_dict(json.loads(json.dumps(taken.to_dict())))
    assert restored.entries == taken.entries and restored.services == ("sqs",)
    entry = restored.get("AWS::SQS::Queue", url)
    assert entry is not None and entry.key == f"sqs.queue:ser-{run}"
    aws_url = f"https://sqs.us-east-1.amazonaws.com/123456789012/ser-{run}"
    assert restored.get("aws_sqs_queue", aws_url) == entry  # a stack's physical id
    assert restored.get("sqs.queue", f"arn:aws:sqs:us-east-1:123456789012:ser-{run}") == entry
    assert inventory.service_of("AWS::Lambda::Function") == "lambda"
    assert inventory.service_of("AWS::EC2::VPC") is None
    aws_client("sqs").delete_queue(QueueUrl=url)
    gone = inventory.diff(taken, inventory.take(aws_client, ["sqs"]), ignore=["sqs.queue:other-*"])
    assert [e.key for e in gone.deleted] == [f"sqs.queue:ser-{run}"]
    ignored = inventory.diff(taken, inventory.take(aws_client, ["sqs"]), ignore=["sqs.queue:ser-*"])
    assert ignored.clean


def test_inventory_rejects_unknown_services(aws_client: Client) -> None:
    with pytest.raises(
        ValueError, match=r"no inventory of service 'dynamo' \(did you mean 'dynamodb'\?\)"
    ):
        inventory.take(aws_client, ["dynamo"])
