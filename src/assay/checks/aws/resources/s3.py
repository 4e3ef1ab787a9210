"""S3 buckets: region, versioning, encryption, public-access block, policy, tags, contents."""

from __future__ import annotations

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


def describe(clients: Clients, ident: str, deep: bool) -> dict[str, Any]:
    name = canonical(ident)
    s3 = clients("s3")
    with missing(NOUN, name, "404", "NoSuchBucket"):
        s3.head_bucket(Bucket=name)
    parts = Parts("s3")
    location = parts.get("Region", lambda: s3.get_bucket_location(Bucket=name)) or {}
    versioning = parts.get("Versioning", lambda: s3.get_bucket_versioning(Bucket=name)) or {}
    encryption = parts.get(
        "Encryption",
        lambda: s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"],
        absent=("ServerSideEncryptionConfigurationNotFoundError",),
    )
    public = parts.get(
        "PublicAccessBlock",
        lambda: s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"],
        absent=("NoSuchPublicAccessBlockConfiguration",),
    )
    tags = parts.get(
        "Tags", lambda: s3.get_bucket_tagging(Bucket=name)["TagSet"], absent=("NoSuchTagSet",)
    )
    policy = parts.get(
        "Policy",
        lambda: s3.get_bucket_policy(Bucket=name)["Policy"],
        absent=("NoSuchBucketPolicy",),
    )
    lifecycle = parts.get(
        "Lifecycle",
        lambda: s3.get_bucket_lifecycle_configuration(Bucket=name)["Rules"],
        absent=("NoSuchLifecycleConfiguration",),
    )
    logging = parts.get("Logging", lambda: s3.get_bucket_logging(Bucket=name)) or {}
    listing = parts.get("Empty", lambda: s3.list_objects_v2(Bucket=name, MaxKeys=1)) or {}
    doc: dict[str, Any] = {
        "Type": "s3.bucket",
        "Id": name,
        "Name": name,
        "Arn": f"arn:aws:s3:::{name}",
        "Region": location.get("LocationConstraint") or "us-east-1",
        "Versioning": versioning.get("Status") or "Disabled",
        "MFADelete": versioning.get("MFADelete") or "Disabled",
        "Encryption": _encryption(encryption),
        "PublicAccessBlock": public,
        "Policy": json_value(policy),
        "Lifecycle": lifecycle,
        "Logging": logging.get("LoggingEnabled"),
        "Tags": tag_map(tags),
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
        describe=describe,
        list_ids=list_ids,
        canonical=canonical,
    )
)
