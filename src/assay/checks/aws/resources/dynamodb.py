"""DynamoDB tables: DescribeTable, plus keys, billing mode, TTL, point-in-time recovery, tags."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from assay.checks.aws.resources import ResourceType, register
from assay.checks.aws.resources.base import Clients, Parts, last_segment, missing, pages, tag_map

NOUN = "DynamoDB table"


def canonical(ident: str) -> str:
    """A table's name, from its name or ARN (``arn:aws:dynamodb:...:table/name``)."""
    return last_segment(ident.strip()) if ident.startswith("arn:") else ident.strip()


def describe(clients: Clients, ident: str, deep: bool) -> dict[str, Any]:
    name = canonical(ident)
    ddb = clients("dynamodb")
    with missing(NOUN, name, "ResourceNotFoundException"):
        table = ddb.describe_table(TableName=name)["Table"]
    parts = Parts("dynamodb")
    ttl = parts.get("TimeToLive", lambda: ddb.describe_time_to_live(TableName=name))
    backups = parts.get(
        "PointInTimeRecovery", lambda: ddb.describe_continuous_backups(TableName=name)
    )
    tags = parts.get(
        "Tags",
        lambda: list(pages(ddb, "list_tags_of_resource", "Tags", ResourceArn=table["TableArn"])),
    )
    keys = {k["KeyType"]: k["AttributeName"] for k in table.get("KeySchema") or []}
    recovery = ((backups or {}).get("ContinuousBackupsDescription") or {}).get(
        "PointInTimeRecoveryDescription"
    ) or {}
    doc = {
        "Id": name,
        "Name": name,
        "Arn": table.get("TableArn"),
        **table,
        "HashKey": keys.get("HASH"),
        "RangeKey": keys.get("RANGE"),
        "BillingMode": (table.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED"),
        "TimeToLive": (ttl or {}).get("TimeToLiveDescription"),
        "PointInTimeRecovery": recovery.get("PointInTimeRecoveryStatus"),
        "Tags": tag_map(tags),
    }
    return parts.finish(doc)


def list_ids(clients: Clients) -> Iterator[str]:
    yield from (str(n) for n in pages(clients("dynamodb"), "list_tables", "TableNames"))


register(
    ResourceType(
        name="dynamodb.table",
        kind="aws.dynamodb_table",
        summary="a DynamoDB table: keys, billing, status, indexes, TTL, recovery, tags",
        noun=NOUN,
        service="dynamodb",
        cloudformation="AWS::DynamoDB::Table",
        terraform="aws_dynamodb_table",
        describer=describe,
        list_ids=list_ids,
        canonical=canonical,
        volatile=(
            "ItemCount",
            "TableSizeBytes",
            "TableStatus",
            "TableId",
            "CreationDateTime",
            "ProvisionedThroughput.LastIncreaseDateTime",
            "ProvisionedThroughput.LastDecreaseDateTime",
            "ProvisionedThroughput.NumberOfDecreasesToday",
            "BillingModeSummary.LastUpdateToPayPerRequestDateTime",
            "GlobalSecondaryIndexes.*.ItemCount",
            "GlobalSecondaryIndexes.*.IndexSizeBytes",
            "GlobalSecondaryIndexes.*.IndexStatus",
            "LocalSecondaryIndexes.*.ItemCount",
            "LocalSecondaryIndexes.*.IndexSizeBytes",
            "LatestStreamLabel",
            "LatestStreamArn",
        ),
    )
)
