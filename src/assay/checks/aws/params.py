"""Parameters of the aws kinds as pydantic models, with problems located at their keys."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import Field, ValidationError, model_validator

from assay.config.models import StrictModel
from assay.core.checks import ParamProblem

M = TypeVar("M", bound=StrictModel)


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
    """A resource by ``id`` (a stack's physical id, an ARN, a queue URL) or by ``name``."""

    id: str | None = Field(
        None, min_length=1, description="Physical id, ARN or URL (e.g. from a stack's resources)."
    )
    name: str | None = Field(None, min_length=1, description="The resource's name.")

    @model_validator(mode="after")
    def _one_identity(self) -> ResourceId:
        if (self.id is None) == (self.name is None):
            raise ValueError("give the resource's 'id' or its 'name' (one of them)")
        return self

    @property
    def ident(self) -> str:
        return str(self.id or self.name)


class ResourceParams(ResourceId):
    """``aws.resource``: a resource of any known type."""

    type: str = Field(
        min_length=1,
        description="Resource type: s3.bucket, AWS::S3::Bucket or aws_s3_bucket (and so on).",
    )


def parse(model: type[M], params: Mapping[str, Any]) -> tuple[M | None, list[ParamProblem]]:
    """The validated parameters, or the problems, each at the parameter it concerns."""
    try:
        return model.model_validate(dict(params)), []
    except ValidationError as exc:
        return None, [_problem(err) for err in exc.errors()]


def _problem(err: Any) -> ParamProblem:
    loc = tuple(err["loc"])
    if err["type"] == "missing":
        return ParamProblem(loc[:-1], f"missing required parameter '{loc[-1]}'")
    key = (err.get("ctx") or {}).get("key")
    message = str(err["msg"]).replace("Value error, ", "").replace("Input should be", "should be")
    if err["type"] == "unknown_key":
        return ParamProblem(
            (*loc, str(key)), message.replace("unknown key", "unknown parameter", 1)
        )
    return ParamProblem(loc, message)
