"""CloudWatch log groups: retention, encryption key, class, metric filters, tags."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from assay.checks.aws.resources import ResourceType, register
from assay.checks.aws.resources.base import Clients, NotFound, Parts, pages

NOUN = "log group"


def canonical(ident: str) -> str:
    """A log group's name, from its name or ARN (``arn:aws:logs:...:log-group:NAME[:*]``)."""
    ident = ident.strip()
    if ident.startswith("arn:"):
        name = ident.split(":", 6)[-1]
        return name.removesuffix(":*")
    return ident


def describe(clients: Clients, ident: str, deep: bool) -> dict[str, Any]:
    name = canonical(ident)
    logs = clients("logs")
    found = next(
        (
            g
            for g in pages(logs, "describe_log_groups", "logGroups", logGroupNamePrefix=name)
            if g.get("logGroupName") == name
        ),
        None,
    )
    if found is None:
        raise NotFound(f"{NOUN} '{name}' does not exist")
    parts = Parts("logs")
    tags = parts.get("Tags", lambda: logs.list_tags_log_group(logGroupName=name).get("tags"))
    arn = found.get("logGroupArn") or str(found.get("arn", "")).removesuffix(":*")
    doc = {
        "Id": name,
        "Name": name,
        "Arn": arn,
        **{k: v for k, v in found.items() if k not in ("arn", "logGroupArn")},
        "RetentionInDays": found.get("retentionInDays"),  # None: never expire
        "KmsKeyId": found.get("kmsKeyId"),
        "Tags": dict(tags or {}),
    }
    return parts.finish(doc)


def list_ids(clients: Clients) -> Iterator[str]:
    for group in pages(clients("logs"), "describe_log_groups", "logGroups"):
        yield str(group["logGroupName"])


register(
    ResourceType(
        name="logs.log_group",
        kind="aws.log_group",
        summary="a CloudWatch log group: retention, KMS key, tags",
        noun=NOUN,
        service="logs",
        cloudformation="AWS::Logs::LogGroup",
        terraform="aws_cloudwatch_log_group",
        describer=describe,
        list_ids=list_ids,
        canonical=canonical,
        volatile=("creationTime", "storedBytes"),
    )
)
