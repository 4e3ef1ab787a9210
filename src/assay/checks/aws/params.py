"""Parameters of the aws kinds as pydantic models, with problems located at their keys."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from assay.config.models import StrictModel

UNKNOWN = "unknown parameter '{key}'{hint}; valid keys: {valid}"


class KindParams(StrictModel):
    """What every aws kind takes."""

    region: str | None = Field(
        None,
        min_length=1,
        description="Region of this step (default: the credential's or target's).",
    )


class CallParams(KindParams):
    """``aws.call``: one operation of one service."""

    service: str = Field(
        min_length=1, description="botocore's service name: dynamodb, sqs, logs..."
    )
    operation: str = Field(
        min_length=1,
        description="Operation, as in the API (DescribeTable) or boto3 (describe_table).",
    )
    params: dict[str, Any] = Field(
        default_factory=dict, description="The operation's parameters (botocore's model)."
    )
    paginate: bool = Field(False, description="Fetch every page and merge them (List*, Describe*).")


class ResourceId(KindParams):
    """A resource by ``id`` (an ARN, a queue URL...), by ``name``, or through a deployed stack:
    ``stack`` with the ``logical_id`` of one of its resources or an ``output`` naming it."""

    id: str | None = Field(
        None, min_length=1, description="Physical id, ARN or URL (e.g. from a stack's resources)."
    )
    name: str | None = Field(None, min_length=1, description="The resource's name.")
    stack: str | None = Field(
        None,
        min_length=1,
        description="A deployed CloudFormation stack (name or id); with logical_id or output.",
    )
    logical_id: str | None = Field(
        None, min_length=1, description="The resource's logical id in 'stack' (Items5C12978B)."
    )
    output: str | None = Field(
        None, min_length=1, description="An output of 'stack' whose value is the resource's id."
    )

    @model_validator(mode="after")
    def _one_identity(self) -> ResourceId:
        given = [k for k in ("id", "name", "stack") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "give the resource's 'id', its 'name', or its 'stack' with a 'logical_id' or "
                "an 'output' (one of them)"
            )
        in_stack = [k for k in ("logical_id", "output") if getattr(self, k) is not None]
        if self.stack is not None and len(in_stack) != 1:
            raise ValueError("with 'stack', give the resource's 'logical_id' or an 'output'")
        if self.stack is None and in_stack:
            raise ValueError(f"'{in_stack[0]}' names a resource of a 'stack': give the stack")
        return self

    @property
    def ident(self) -> str:
        return str(self.id or self.name)


class ResourceParams(ResourceId):
    """``aws.resource``: a resource of any known type."""

    type: str | None = Field(
        None,
        min_length=1,
        description="Resource type: s3.bucket, AWS::S3::Bucket or aws_s3_bucket (and so on); "
        "taken from the stack for 'stack' + 'logical_id'.",
    )

    @model_validator(mode="after")
    def _type_known(self) -> ResourceParams:
        if self.type is None and self.logical_id is None:
            raise ValueError(
                "missing required parameter 'type' (only 'stack' + 'logical_id' can do without)"
            )
        return self
