"""Parameters of the s3 helper kinds (``s3.presigned_get``...) as pydantic models.

Names are matched as botocore's model matches them, ignoring case and underscores
(``bucket``, ``expires_in``), so suites written for the original s3tester keep working.
Values are taken as given: they go to botocore or httpx as they are, and ``s3.empty_bucket``
keeps the bucket only for a literal ``false``.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, model_validator

from assay.checks.model_kind import TargetKind
from assay.checks.params import tidy_schema
from assay.checks.s3.target import S3Target, S3TargetType
from assay.config.models import StrictModel
from assay.core.errors import InvalidParameters

P = TypeVar("P", bound=BaseModel)


def _folded(name: str) -> str:
    return name.lower().replace("_", "")


def _schema(schema: dict[str, Any], model: type[BaseModel]) -> None:
    tidy_schema(schema, defaults=False)
    schema.setdefault("required", [])


class HelperParams(StrictModel):
    """Model names for every spelling of them; anything else is an unknown parameter."""

    model_config = ConfigDict(json_schema_extra=_schema)

    @model_validator(mode="before")
    @classmethod
    def _model_names(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        names = {_folded(name): name for name in cls.model_fields}
        return {names.get(_folded(str(k)), k): v for k, v in data.items()}

    def given(self, *names: str) -> dict[str, Any]:
        """The named parameters the step gave (those left out are left out)."""
        return {name: getattr(self, name) for name in names if name in self.model_fields_set}


class PresignedParams(HelperParams):
    Bucket: Any
    Key: Any
    ExpiresIn: Any = 300
    Body: Any = ""
    Headers: Any = None

    def expires_in(self) -> int:
        """Seconds the URL is valid for."""
        try:
            return int(self.ExpiresIn)
        except (TypeError, ValueError):
            raise InvalidParameters(
                f"ExpiresIn: should be seconds, got {self.ExpiresIn!r}"
            ) from None


class MultipartParams(HelperParams):
    Bucket: Any
    Key: Any
    Body: Any
    PartSize: Any = "5MiB"
    ChecksumAlgorithm: Any = None
    ContentType: Any = None
    Metadata: Any = None


class EmptyBucketParams(HelperParams):
    Bucket: Any
    DeleteBucket: Any = True


class HelperKind(TargetKind[P, S3Target]):
    """An s3 helper kind: its parameters a ``HelperParams`` model, its target an s3 one."""

    family = "s3"
    target_type = S3TargetType
    unknown_key: ClassVar[str] = "unknown parameter '{key}'{hint}"
