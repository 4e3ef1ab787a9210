"""Emptying an S3 bucket: every object version, delete marker and pending upload.

Shared by ``s3.empty_bucket`` and ``stacks.destroy`` (the buckets a stack created must be
empty before CloudFormation can delete them).
"""

from __future__ import annotations

from typing import Any

from assay.checks.aws.errors import ErrorAnswer, error_code

UNSUPPORTED = {"NotImplemented", "MethodNotAllowed"}


def empty_bucket(client: Any, bucket: str, delete_bucket: bool = False) -> int:
    """Delete every object version, delete marker and pending upload; the number deleted.

    Falls back to plain listings on stores without versioning or multipart listings (s3rver
    answers 405/501).
    """
    try:
        deleted = _versions(client, bucket)
    except ErrorAnswer as exc:
        if error_code(exc) not in UNSUPPORTED:
            raise
        deleted = _objects(client, bucket)
    try:
        for page in client.get_paginator("list_multipart_uploads").paginate(Bucket=bucket):
            for up in page.get("Uploads", []):
                client.abort_multipart_upload(Bucket=bucket, Key=up["Key"], UploadId=up["UploadId"])
    except ErrorAnswer as exc:
        if error_code(exc) not in UNSUPPORTED:
            raise
    if delete_bucket:
        client.delete_bucket(Bucket=bucket)
    return deleted


def _versions(client: Any, bucket: str) -> int:
    deleted = 0
    for page in client.get_paginator("list_object_versions").paginate(Bucket=bucket):
        keys = [
            {"Key": v["Key"], "VersionId": v["VersionId"]}
            for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        if keys:
            client.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
            deleted += len(keys)
    return deleted


def _objects(client: Any, bucket: str) -> int:
    deleted = 0
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if keys:
            client.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
            deleted += len(keys)
    return deleted
