"""Every operation of botocore's S3 model as a check kind (``s3.PutObject``, ...)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assay.checks.aws import model
from assay.checks.aws.operation import Operation
from assay.checks.s3.target import S3TargetType
from assay.checks.target_type import opened
from assay.core.checks import CHECKS, CheckCall, Observation, ParamProblem


class S3Operation:
    """One botocore S3 operation as a check kind."""

    family = "s3"

    def __init__(self, operation: str) -> None:
        self.operation = Operation("s3", operation)
        self.name = f"s3.{operation}"

    @property
    def description(self) -> str:
        return self.operation.description

    @property
    def shape(self) -> Any:
        """botocore's input shape of the operation."""
        return self.operation.shape

    def validate(self, params: Mapping[str, Any]) -> list[ParamProblem]:
        return self.operation.validate(params)

    def params_schema(self) -> dict[str, Any]:
        return self.operation.params_schema()

    def run(self, call: CheckCall) -> Observation:
        client = opened(call, self.name, S3TargetType).client(call.credential)
        return self.operation.call(client, call.params)


def register_all() -> None:
    for operation in model.operation_names("s3"):
        CHECKS.register(f"s3.{operation}", S3Operation(operation))
