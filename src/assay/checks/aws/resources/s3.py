"""S3 buckets: region, versioning, encryption, public-access block, policy, tags, contents."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from assay.checks.aws.resources import ResourceType, register
from assay.checks.aws.resources.base import (
    Clients,
    Parts,
    arn_resource,
    json_value,
    missing,
    tag_map,
)

NOUN = "S3 bucket"
# optional parts: part -> (operation, member of its answer, the code for "not configured")
CONFIGURED = {
    "Encryption": (
        "get_bucket_encryption",
        "ServerSideEncryptionConfiguration",
        "ServerSideEncryptionConfigurationNotFoundError",
    ),
    "PublicAccessBlock": (
        "get_public_access_block",
        "PublicAccessBlockConfiguration",
        "NoSuchPublicAccessBlockConfiguration",
    ),
    "Tags": ("get_bucket_tagging", "TagSet", "NoSuchTagSet"),
    "Policy": ("get_bucket_policy", "Policy", "NoSuchBucketPolicy"),
    "Lifecycle": ("get_bucket_lifecycle_configuration", "Rules", "NoSuchLifecycleConfiguration"),
}


def canonical(ident: str) -> str:
    """A bucket's name, from its name or ARN (``arn:aws:s3:::name``)."""
    return arn_resource(ident.strip())


def _encryption(config: dict[str, Any] | None) -> dict[str, Any] | None:
    """The rules, plus the first rule's algorithm and key at the top for short paths."""
    if config is None:
        return None
    rules = config.get("Rules") or []
    default = (rules[0].get("ApplyServerSideEncryptionByDefault") or {}) if rules else {}
    return {
        "SSEAlgorithm": default.get("SSEAlgorithm"),
        "KMSMasterKeyID": default.get("KMSMasterKeyID"),
        "BucketKeyEnabled": rules[0].get("BucketKeyEnabled", False) if rules else False,
        "Rules": rules,
    }


def count_objects(client: Any, bucket: str) -> int:
    """Every current object of the bucket, counted page by page."""
    return sum(
        page.get("KeyCount", 0)
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    )


def _member(operation: Any, bucket: str, member: str) -> Any:
    return operation(Bucket=bucket)[member]


def describe(clients: Clients, ident: str, deep: bool) -> dict[str, Any]:
    name = canonical(ident)
    s3 = clients("s3")
    with missing(NOUN, name, "404", "NoSuchBucket"):
        s3.head_bucket(Bucket=name)
    parts = Parts("s3")
    location = parts.get("Region", lambda: s3.get_bucket_location(Bucket=name)) or {}
    versioning = parts.get("Versioning", lambda: s3.get_bucket_versioning(Bucket=name)) or {}
    configured = {
        part: parts.get(
            part,
            functools.partial(_member, getattr(s3, operation), name, member),
            absent=(unset,),
        )
        for part, (operation, member, unset) in CONFIGURED.items()
    }
    logging = parts.get("Logging", lambda: s3.get_bucket_logging(Bucket=name)) or {}
    listing = parts.get("Empty", lambda: s3.list_objects_v2(Bucket=name, MaxKeys=1)) or {}
    doc: dict[str, Any] = {
        "Id": name,
        "Name": name,
        "Arn": f"arn:aws:s3:::{name}",
        "Region": location.get("LocationConstraint") or "us-east-1",
        "Versioning": versioning.get("Status") or "Disabled",
        "MFADelete": versioning.get("MFADelete") or "Disabled",
        "Encryption": _encryption(configured["Encryption"]),
        "PublicAccessBlock": configured["PublicAccessBlock"],
        "Policy": json_value(configured["Policy"]),
        "Lifecycle": configured["Lifecycle"],
        "Logging": logging.get("LoggingEnabled"),
        "Tags": tag_map(configured["Tags"]),
        "Empty": listing.get("KeyCount", 0) == 0 if "Empty" not in parts.unavailable else None,
    }
    if deep:
        doc["ObjectCount"] = parts.get("ObjectCount", lambda: count_objects(s3, name))
    return parts.finish(doc)


def list_ids(clients: Clients) -> Iterator[str]:
    for bucket in clients("s3").list_buckets().get("Buckets") or []:
        yield str(bucket["Name"])


register(
    ResourceType(
        name="s3.bucket",
        kind="aws.s3_bucket",
        summary="an S3 bucket: region, versioning, encryption, public-access block, policy, tags",
        noun=NOUN,
        service="s3",
        cloudformation="AWS::S3::Bucket",
        terraform="aws_s3_bucket",
        describer=describe,
        list_ids=list_ids,
        canonical=canonical,
    )
)
