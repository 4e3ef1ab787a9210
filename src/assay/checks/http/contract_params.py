"""Parameters of ``openapi.contract`` as a pydantic model: located problems and JSON Schema."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)

from assay.checks.params import Path, problems_below, tidy_schema
from assay.config.models import StrictModel
from assay.core.registry import suggest

# schemathesis checks that judge one response (the others re-send requests on their own)
KNOWN_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
)
DEFAULT_CHECKS = KNOWN_CHECKS[:3] + KNOWN_CHECKS[4:5]
MODES = ("positive", "negative")
_NAMES_SCHEMA = {"type": "array", "minItems": 1, "items": {"type": "string"}}


SCHEMA_REQUIRED = "'schema' (path, URL or file://) is required"


def _document(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(SCHEMA_REQUIRED)
    return value


def _examples(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1000:
        raise ValueError("'max_examples' must be 1..1000")
    return value


def _seed(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("'seed' must be an integer")
    return value


def _operations(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(o, str) and o for o in value):
        raise ValueError("'operations' must be a list of operationIds or 'GET /path'")
    return value


def _known(known: tuple[str, ...]) -> Callable[[Any, ValidationInfo], list[str]]:
    """A non-empty list of names out of ``known``, each unknown one told at its index."""

    def names(value: Any, info: ValidationInfo) -> list[str]:
        key = str(info.field_name)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise ValueError(f"'{key}' must be a non-empty list of names")
        unknown: list[tuple[Path, str]] = [
            ((i,), f"unknown {key[:-1]} '{v}'{suggest(v, known)}: one of {', '.join(known)}")
            for i, v in enumerate(value)
            if v not in known
        ]
        if unknown:
            raise problems_below(unknown)
        return value

    return names


def _schema(schema: dict[str, Any], model: type[BaseModel]) -> None:
    tidy_schema(schema, defaults=False)
    schema["required"] = ["schema"]  # a default in the model, so that the message is ours


class ContractParams(StrictModel):
    """``openapi.contract``'s parameters."""

    model_config = ConfigDict(json_schema_extra=_schema)

    document: Annotated[str, BeforeValidator(_document), WithJsonSchema({"type": "string"})] = (
        Field("", alias="schema", description="Path, absolute URL or file://.")
    )
    max_examples: Annotated[
        int,
        BeforeValidator(_examples),
        WithJsonSchema({"type": "integer", "minimum": 1, "maximum": 1000}),
    ] = 20
    seed: Annotated[int, BeforeValidator(_seed), WithJsonSchema({"type": "integer"})] = 0
    checks: Annotated[
        list[str],
        BeforeValidator(_known(KNOWN_CHECKS)),
        WithJsonSchema({**_NAMES_SCHEMA, "items": {"enum": list(KNOWN_CHECKS)}}),
    ] = Field(default_factory=lambda: list(DEFAULT_CHECKS))
    modes: Annotated[
        list[str],
        BeforeValidator(_known(MODES)),
        WithJsonSchema({**_NAMES_SCHEMA, "items": {"enum": list(MODES)}}),
    ] = Field(default_factory=lambda: list(MODES))
    operations: Annotated[
        list[str], BeforeValidator(_operations), WithJsonSchema(_NAMES_SCHEMA)
    ] = Field(default_factory=list)

    @model_validator(mode="after")
    def _document_given(self) -> ContractParams:
        if not self.document:
            raise problems_below([(("schema",), SCHEMA_REQUIRED)])
        return self
