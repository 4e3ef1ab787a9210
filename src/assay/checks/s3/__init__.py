"""The S3 family: every operation in botocore's S3 model, plus presigned/multipart helpers."""

from __future__ import annotations

from assay.checks.s3 import helpers, operations
from assay.checks.s3.target import S3Settings, S3Target, S3TargetType
from assay.core.checks import TARGETS

TARGETS.register("s3", S3TargetType())
operations.register_all()
helpers.register_all()

__all__ = ["S3Settings", "S3Target", "S3TargetType"]
