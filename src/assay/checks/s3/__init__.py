"""The S3 family: every operation in botocore's S3 model, plus presigned/multipart helpers and
backup freshness (``s3.newest_object``)."""

from __future__ import annotations

from assay.checks.s3 import helpers, operations
from assay.checks.s3.newest_object import NewestObject
from assay.checks.s3.target import S3Settings, S3Target, S3TargetType
from assay.core.checks import CHECKS, TARGETS

TARGETS.register("s3", S3TargetType())
operations.register_all()
helpers.register_all()
CHECKS.register(NewestObject.name, NewestObject())

__all__ = ["NewestObject", "S3Settings", "S3Target", "S3TargetType"]
