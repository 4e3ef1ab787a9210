"""Pure logic of the aws family: type names, identities, fingerprints and inventory diffs."""

from __future__ import annotations

import pytest

from assay.checks.aws import inventory, resources
from assay.checks.aws.inventory import Entry, Inventory


@pytest.mark.parametrize(
    ("type_name", "ident", "key"),
    [
        ("AWS::S3::Bucket", "arn:aws:s3:::logs-bucket", "s3.bucket:logs-bucket"),
        (
            "aws_dynamodb_table",
            "arn:aws:dynamodb:eu-west-1:1:table/orders",
            "dynamodb.table:orders",
        ),
        ("sqs.queue", "https://sqs.us-east-1.amazonaws.com/123456789012/jobs", "sqs.queue:jobs"),
        ("AWS::SQS::Queue", "arn:aws:sqs:us-east-1:123456789012:jobs.fifo", "sqs.queue:jobs.fifo"),
        ("aws::sns::topic", "arn:aws:sns:us-east-1:123456789012:alerts", "sns.topic:alerts"),
        ("AWS::IAM::Role", "arn:aws:iam::123456789012:role/app/worker", "iam.role:worker"),
        ("AWS::IAM::ManagedPolicy", "arn:aws:iam::1:policy/team/read", "iam.policy:read"),
        (
            "aws_lambda_function",
            "arn:aws:lambda:us-east-1:1:function:api:live",
            "lambda.function:api",
        ),
        (
            "AWS::Logs::LogGroup",
            "arn:aws:logs:us-east-1:1:log-group:/aws/api:*",
            "logs.log_group:/aws/api",
        ),
        (
            "AWS::SSM::Parameter",
            "arn:aws:ssm:us-east-1:1:parameter/app/url",
            "ssm.parameter:/app/url",
        ),
        (
            "AWS::CloudFormation::Stack",
            "arn:aws:cloudformation:us-east-1:1:stack/web/0b1e-44",
            "cloudformation.stack:web",
        ),
        ("s3.bucket", "plain-name", "s3.bucket:plain-name"),
    ],
)
def test_aws_identities_from_any_type_name_and_id(type_name: str, ident: str, key: str) -> None:
    assert inventory.key_of(type_name, ident) == key


def test_aws_resource_types_are_known_by_three_names() -> None:
    for resource_type in resources.all_types():
        for name in (resource_type.name, resource_type.cloudformation, resource_type.terraform):
            assert resources.lookup(name) is resource_type
        assert resource_type.service in inventory.SERVICES
        assert resource_type.kind.startswith("aws.")
    assert resources.lookup("AWS::EC2::VPC") is None
    with pytest.raises(ValueError, match="unknown resource type 'sqs.queues'"):
        inventory.key_of("sqs.queues", "x")


def test_aws_configuration_drops_the_envelope_and_volatile_paths() -> None:
    table = resources.lookup("dynamodb.table")
    assert table is not None
    description = {
        "Type": "dynamodb.table",
        "Id": "t",
        "Unavailable": {"Tags": "AccessDenied"},
        "ItemCount": 5,
        "BillingMode": "PAY_PER_REQUEST",
        "ProvisionedThroughput": {"ReadCapacityUnits": 0, "NumberOfDecreasesToday": 2},
        "GlobalSecondaryIndexes": [
            {"IndexName": "by-date", "ItemCount": 9, "IndexStatus": "ACTIVE"},
            {"IndexName": "by-user", "ItemCount": 1},
        ],
    }
    config = inventory.configuration(table, description)
    assert config == {
        "BillingMode": "PAY_PER_REQUEST",
        "ProvisionedThroughput": {"ReadCapacityUnits": 0},
        "GlobalSecondaryIndexes": [{"IndexName": "by-date"}, {"IndexName": "by-user"}],
    }
    assert description["ItemCount"] == 5  # the description itself is left alone
    reordered = dict(reversed(list(config.items())))
    assert inventory.fingerprint(config) == inventory.fingerprint(reordered)
    assert inventory.fingerprint(config) != inventory.fingerprint({**config, "BillingMode": "X"})


def entry(key: str, properties: dict[str, object], error: str | None = None) -> Entry:
    kind, ident = key.split(":", 1)
    return Entry(kind, ident, None, inventory.fingerprint(properties), properties, error)


def snapshot(*entries: Entry, errors: dict[str, str] | None = None) -> Inventory:
    return Inventory(
        services=inventory.SERVICES, entries={e.key: e for e in entries}, errors=errors or {}
    )


def test_aws_diff_reports_each_kind_of_difference() -> None:
    before = snapshot(
        entry("sqs.queue:kept", {"Attributes": {"DelaySeconds": "0"}}),
        entry("sqs.queue:changed", {"Attributes": {"DelaySeconds": "0"}, "Tags": {"a": "1"}}),
        entry("s3.bucket:deleted", {"ObjectCount": 0}),
        entry("iam.role:unreadable", {"Path": "/"}),
        entry("s3.bucket:cdk-assets", {"ObjectCount": 3}),
    )
    after = snapshot(
        entry("sqs.queue:kept", {"Attributes": {"DelaySeconds": "0"}}),
        entry("sqs.queue:changed", {"Attributes": {"DelaySeconds": "5"}}),
        entry("iam.role:unreadable", {}, error="AccessDenied: no"),
        entry("dynamodb.table:leaked", {"BillingMode": "PAY_PER_REQUEST"}),
        entry("s3.bucket:cdk-assets", {"ObjectCount": 4}),
    )
    found = inventory.diff(before, after, ignore=["s3.bucket:cdk-*"])
    assert [e.key for e in found.created] == ["dynamodb.table:leaked"]
    assert [e.key for e in found.deleted] == ["s3.bucket:deleted"]
    assert found.unverified == ["iam.role:unreadable"]
    ((changed),) = found.changed
    assert [(c.path, c.before, c.after) for c in changed.changes] == [
        ("Attributes.DelaySeconds", "0", "5"),
        ("Tags", {"a": "1"}, None),
    ]
    assert not found.clean and not found.complete
    assert found.lines() == [
        "left behind: dynamodb.table:leaked",
        "deleted: s3.bucket:deleted",
        'changed: sqs.queue:changed (Attributes.DelaySeconds "0" -> "5", Tags {"a": "1"} -> null)',
        "not verified: iam.role:unreadable",
    ]
    assert found.to_dict()["changed"][0]["changes"][0] == {
        "path": "Attributes.DelaySeconds",
        "before": "0",
        "after": "5",
    }


def test_aws_diff_of_identical_inventories_is_clean() -> None:
    same = snapshot(entry("sqs.queue:a", {"x": 1}), entry("sns.topic:b", {"y": [1, 2]}))
    found = inventory.diff(same, Inventory.from_dict(same.to_dict()))
    assert found.clean and found.lines() == []
