"""``s3.newest_object``: backup freshness in a bucket — the newest object under a prefix is
younger than ``max_age``, at least ``min_size`` bytes, and (``checksum: true``) carries a
checksum the store reports.

The prefix is listed with ListObjectsV2, every page of it; folder markers (keys ending in
``/``) are not backups. The checksum is the one S3 stored at upload (HeadObject with
``ChecksumMode: ENABLED``): reading it costs one request whatever the object's size.
"""

from __future__ import annotations

import time
from datetime import UTC
from typing import Any

from pydantic import Field

from assay.checks import freshness
from assay.checks.aws.bodies import Size
from assay.checks.aws.errors import AWS_ERRORS, from_exception
from assay.checks.params import Flag
from assay.checks.s3.helper_params import HelperKind, HelperParams
from assay.checks.s3.target import S3Target
from assay.core.checks import CheckCall, Observation

NO_OBJECTS = "NoObjects"
CHECKSUM_MISSING = "ChecksumMissing"
# the strongest first: what S3 can store for an object
CHECKSUMS = ("SHA256", "SHA1", "CRC64NVME", "CRC32C", "CRC32")


class NewestObjectParams(HelperParams):
    Bucket: str = Field(description="The bucket holding the backups.")
    Prefix: str = Field("", description="Only keys that start with this (default: all).")
    max_age: freshness.Duration = Field(
        None, description="Fail (TooOld) when the newest object is older: 26h, 30m, 2d."
    )
    min_size: Size = Field(
        None, description="Fail (TooSmall) when the newest object has fewer bytes: 1024, 5MiB."
    )
    checksum: Flag = Field(
        False,
        description="Fail (ChecksumMissing) unless S3 reports a stored checksum of the newest "
        "object (HeadObject with ChecksumMode).",
    )


def newest(client: Any, bucket: str, prefix: str) -> tuple[dict[str, Any] | None, int]:
    """The newest object under ``prefix`` (ListObjectsV2 entry) and how many there are."""
    best: dict[str, Any] | None = None
    count = 0
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents") or []:
            if item["Key"].endswith("/"):
                continue
            count += 1
            # of two written in the same second, the later key (backup-02 after backup-01)
            if best is None or (item["LastModified"], item["Key"]) > (
                best["LastModified"],
                best["Key"],
            ):
                best = item
    return best, count


def stored_checksum(client: Any, bucket: str, key: str) -> dict[str, str] | None:
    """The checksum S3 stored for the object, or None when it stored none."""
    head = client.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    for algorithm in CHECKSUMS:
        value = head.get(f"Checksum{algorithm}")
        if value:
            found = {"algorithm": algorithm, "value": str(value)}
            if head.get("ChecksumType"):
                found["type"] = str(head["ChecksumType"])  # FULL_OBJECT or COMPOSITE
            return found
    return None


class NewestObject(HelperKind[NewestObjectParams]):
    name = "s3.newest_object"
    description = (
        "Backup freshness: the newest object under a prefix is younger than max_age, "
        "at least min_size, its checksum stored."
    )
    params_model = NewestObjectParams

    def check(self, target: S3Target, p: NewestObjectParams, call: CheckCall) -> Observation:
        client = target.client(call.credential)
        where = f"s3://{p.Bucket}/{p.Prefix}"
        data: dict[str, Any] = {"bucket": p.Bucket, "prefix": p.Prefix}
        started = time.perf_counter()
        try:
            item, count = newest(client, p.Bucket, p.Prefix)
            timings = {"list": time.perf_counter() - started}
            if item is None:
                timings["total"] = timings["list"]
                empty = freshness.nothing_found(
                    NO_OBJECTS, f"no object under {where}", data, timings
                )
                empty.http_status = 200
                return empty
            checksum = stored_checksum(client, p.Bucket, item["Key"]) if p.checksum else None
        except AWS_ERRORS as exc:
            return from_exception(exc)
        timings["total"] = time.perf_counter() - started
        modified = item["LastModified"].astimezone(UTC)
        found = freshness.Found(f"s3://{p.Bucket}/{item['Key']}", item["Size"], modified, count)
        failed = freshness.problems(found, p.max_age, p.min_size)
        data.update(key=item["Key"], etag=str(item.get("ETag", "")).strip('"'))
        if p.checksum:
            data["checksum"] = checksum
            if checksum is None:
                failed.append(
                    (
                        CHECKSUM_MISSING,
                        f"{found.where} has no stored checksum "
                        "(upload it with ChecksumAlgorithm, e.g. SHA256)",
                    )
                )
        obs = freshness.observe(found, data, failed, timings)
        obs.http_status = 200
        return obs
