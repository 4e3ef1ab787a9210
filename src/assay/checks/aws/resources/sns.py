"""SNS topics: attributes (JSON ones parsed), subscriptions, FIFO, tags."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from assay.checks.aws.resources import ResourceType, register
from assay.checks.aws.resources.base import (
    Clients,
    NotFound,
    Parts,
    json_value,
    last_segment,
    missing,
    pages,
    tag_map,
)

NOUN = "SNS topic"


def canonical(ident: str) -> str:
    """A topic's name, from its name or ARN (``arn:aws:sns:region:account:name``)."""
    return last_segment(ident.strip())


def _arn(sns: Any, ident: str) -> str:
    """The topic's ARN: given, or found by name among the account's topics."""
    if ident.startswith("arn:"):
        return ident
    for topic in pages(sns, "list_topics", "Topics"):
        if canonical(str(topic["TopicArn"])) == ident:
            return str(topic["TopicArn"])
    raise NotFound(f"{NOUN} '{ident}' does not exist")


def describe(clients: Clients, ident: str, deep: bool) -> dict[str, Any]:
    name = canonical(ident)
    sns = clients("sns")
    arn = _arn(sns, ident.strip())
    with missing(NOUN, name, "NotFound", "NotFoundException"):
        attributes = sns.get_topic_attributes(TopicArn=arn).get("Attributes") or {}
    attributes = {k: json_value(v) for k, v in attributes.items()}
    parts = Parts("sns")
    subscriptions = parts.get(
        "Subscriptions",
        lambda: list(pages(sns, "list_subscriptions_by_topic", "Subscriptions", TopicArn=arn)),
    )
    tags = parts.get("Tags", lambda: sns.list_tags_for_resource(ResourceArn=arn).get("Tags"))
    doc = {
        "Id": name,
        "Name": name,
        "Arn": arn,
        "Fifo": str(attributes.get("FifoTopic", "false")).lower() == "true",
        "Attributes": attributes,
        "Subscriptions": [
            {k: s.get(k) for k in ("Protocol", "Endpoint", "SubscriptionArn")}
            for s in subscriptions or []
        ],
        "Tags": tag_map(tags),
    }
    return parts.finish(doc)


def list_ids(clients: Clients) -> Iterator[str]:
    """Topics' ARNs: describing by ARN saves a listing per topic."""
    for topic in pages(clients("sns"), "list_topics", "Topics"):
        yield str(topic["TopicArn"])


register(
    ResourceType(
        name="sns.topic",
        kind="aws.sns_topic",
        summary="an SNS topic: attributes, subscriptions, tags",
        noun=NOUN,
        service="sns",
        cloudformation="AWS::SNS::Topic",
        terraform="aws_sns_topic",
        describer=describe,
        list_ids=list_ids,
        canonical=canonical,
        volatile=(
            "Attributes.SubscriptionsPending",
            "Attributes.SubscriptionsConfirmed",
            "Attributes.SubscriptionsDeleted",
            "Subscriptions.*.SubscriptionArn",
        ),
    )
)
