"""SQS queues: every attribute (JSON ones parsed), FIFO, dead-letter target, tags."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from assay.checks.aws.resources import ResourceType, register
from assay.checks.aws.resources.base import (
    Clients,
    Parts,
    json_value,
    last_segment,
    missing,
    pages,
)

NOUN = "SQS queue"
NOT_FOUND = ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")
JSON_ATTRIBUTES = ("Policy", "RedrivePolicy", "RedriveAllowPolicy")


def canonical(ident: str) -> str:
    """A queue's name, from its name, URL or ARN."""
    return last_segment(ident.strip())


def _owner(ident: str) -> str | None:
    """The account in a queue URL (``https://host/123456789012/name``) or ARN."""
    if ident.startswith("arn:"):
        return ident.split(":")[4] or None
    if "://" in ident:
        path = urlsplit(ident).path.strip("/").split("/")
        return path[0] if len(path) == 2 else None
    return None


def describe(clients: Clients, ident: str, deep: bool) -> dict[str, Any]:
    name = canonical(ident)
    sqs = clients("sqs")
    # a stack's physical id is AWS's URL; the endpoint under test has its own: ask it
    owner = _owner(ident.strip())
    lookup: dict[str, Any] = {"QueueName": name}
    if owner:
        lookup["QueueOwnerAWSAccountId"] = owner
    with missing(NOUN, name, *NOT_FOUND):
        url = sqs.get_queue_url(**lookup)["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
    attributes = {k: json_value(v) for k, v in (attributes.get("Attributes") or {}).items()}
    parts = Parts("sqs")
    tags = parts.get("Tags", lambda: sqs.list_queue_tags(QueueUrl=url).get("Tags"))
    redrive = attributes.get("RedrivePolicy")
    doc = {
        "Id": name,
        "Name": name,
        "Arn": attributes.get("QueueArn"),
        "Url": url,
        "Fifo": str(attributes.get("FifoQueue", "false")).lower() == "true",
        "DeadLetterTargetArn": redrive.get("deadLetterTargetArn")
        if isinstance(redrive, dict)
        else None,
        "Attributes": attributes,
        "Tags": dict(tags or {}),
    }
    return parts.finish(doc)


def list_ids(clients: Clients) -> Iterator[str]:
    for url in pages(clients("sqs"), "list_queues", "QueueUrls"):
        yield canonical(str(url))


register(
    ResourceType(
        name="sqs.queue",
        kind="aws.sqs_queue",
        summary="an SQS queue: URL, ARN, every attribute, dead-letter target, tags",
        noun=NOUN,
        service="sqs",
        cloudformation="AWS::SQS::Queue",
        terraform="aws_sqs_queue",
        describer=describe,
        list_ids=list_ids,
        canonical=canonical,
        volatile=(
            "Url",
            "Attributes.ApproximateNumberOfMessages",
            "Attributes.ApproximateNumberOfMessagesDelayed",
            "Attributes.ApproximateNumberOfMessagesNotVisible",
            "Attributes.CreatedTimestamp",
            "Attributes.LastModifiedTimestamp",
        ),
    )
)
