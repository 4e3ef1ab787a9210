"""botocore's service models as assay's parameter model, for every AWS service.

Parameters are checked against the operation's input shape when the suite loads (unknown
names with a suggestion, missing required ones, scalar types, enum values) and are coerced
to the shape's types when the step runs. Lower-case and snake_case aliases (``bucket``,
``content_type``) map onto the model's names at every level. The s3 family's kinds and
``aws.call`` share this one model.
"""

from __future__ import annotations

import functools
import re
from datetime import datetime
from typing import Any

import botocore.exceptions
import botocore.session
from botocore import xform_name

from assay.checks.params import is_deferred
from assay.core.checks import ParamProblem
from assay.core.errors import InvalidParameters
from assay.core.registry import suggest

_TAGS = re.compile(r"<[^>]+>")
_NOTES = re.compile(r"<(note|important)>.*?</\1>", re.S)
_SNAKE = re.compile(r"(?<!^)(?=[A-Z][a-z])|(?<=[a-z0-9])(?=[A-Z])")
BODY_FORMS = "a string, 'file://path', or a mapping {size: 1MiB, seed: 1}"


@functools.cache
def _session() -> Any:
    return botocore.session.get_session()


@functools.cache
def services() -> tuple[str, ...]:
    """Every service botocore has a model of (``s3``, ``dynamodb``, ``logs``, ...)."""
    return tuple(_session().get_available_services())


@functools.cache
def service_model(service: str) -> Any:
    return _session().get_service_model(service)


def label(service: str) -> str:
    """How messages name a service: its model's id (``S3``, ``DynamoDB``, ``SQS``)."""
    return str(service_model(service).service_id)


def operation_names(service: str) -> list[str]:
    return list(service_model(service).operation_names)


@functools.cache
def _operations_by_alias(service: str) -> dict[str, str]:
    names = operation_names(service)
    return {**{xform_name(n): n for n in names}, **{n.lower(): n for n in names}}


def operation(service: str, name: str) -> str | None:
    """The model's name of an operation given as ``DescribeTable`` or ``describe_table``."""
    return _operations_by_alias(service).get(name.lower())


@functools.cache
def can_paginate(service: str, operation: str) -> bool:
    """Whether botocore has a paginator for the operation (``ListTables``, ...)."""
    try:
        _session().get_paginator_model(service).get_paginator(operation)
    except (ValueError, botocore.exceptions.DataNotFoundError):
        return False
    return True


def describe(operation: str, service: str) -> str:
    """First sentence of the operation's documentation, as plain text."""
    doc = service_model(service).operation_model(operation).documentation or ""
    text = " ".join(_TAGS.sub(" ", _NOTES.sub(" ", doc)).split())
    sentence = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0] if text else ""
    return sentence[:117] + "..." if len(sentence) > 120 else sentence or operation


def snake(name: str) -> str:
    return _SNAKE.sub("_", name).lower()


@functools.cache
def aliases(shape: Any) -> dict[str, str]:
    """Alias -> member name for a structure shape (exact, lower-case, snake_case)."""
    out: dict[str, str] = {}
    for member in shape.members:
        out[member.lower()] = member
        out[snake(member)] = member
    for member in shape.members:
        out[member] = member
    return out


def is_body(shape: Any) -> bool:
    return bool(shape.type_name == "blob")


def canonical(params: dict[str, Any], shape: Any) -> dict[str, Any]:
    """Rename aliases to model names (recursively), leaving unknown keys as they are."""
    if shape is None or shape.type_name != "structure":
        return params
    names = aliases(shape)
    out = {}
    for key, value in params.items():
        member = names.get(key, key) if isinstance(key, str) else key
        sub = shape.members.get(member)
        out[member] = _canonical_value(value, sub)
    return out


def _canonical_value(value: Any, shape: Any) -> Any:
    if shape is None:
        return value
    if shape.type_name == "structure" and isinstance(value, dict):
        return canonical(value, shape)
    if shape.type_name == "list" and isinstance(value, list):
        return [_canonical_value(v, shape.member) for v in value]
    if shape.type_name == "map" and isinstance(value, dict):
        return {k: _canonical_value(v, shape.value) for k, v in value.items()}
    return value


def check(value: Any, shape: Any, path: tuple[Any, ...], out: list[ParamProblem]) -> None:
    """Append problems of ``value`` against ``shape``; placeholders are checked at run time."""
    kind = shape.type_name
    if is_deferred(value) and kind not in ("structure", "list", "map"):
        return
    if kind == "structure":
        if not isinstance(value, dict):
            out.append(ParamProblem(path, f"should be a mapping of {shape.name} fields"))
            return
        names = aliases(shape)
        for key, sub in value.items():
            member = names.get(key) if isinstance(key, str) else None
            if member is None:
                hint = suggest(str(key), list(shape.members))
                out.append(ParamProblem((*path, key), f"unknown parameter '{key}'{hint}"))
                continue
            check(sub, shape.members[member], (*path, key), out)
        given = {names.get(k) for k in value if isinstance(k, str)}
        for req in shape.required_members:
            if req not in given:
                out.append(ParamProblem(path, f"missing required parameter '{req}'"))
    elif kind == "list":
        if not isinstance(value, list):
            out.append(ParamProblem(path, "should be a list"))
            return
        for i, item in enumerate(value):
            check(item, shape.member, (*path, i), out)
    elif kind == "map":
        if not isinstance(value, dict):
            out.append(ParamProblem(path, "should be a mapping"))
            return
        for k, item in value.items():
            check(item, shape.value, (*path, k), out)
    else:
        problem = _scalar_problem(value, shape)
        if problem:
            out.append(ParamProblem(path, problem))


def _scalar_problem(value: Any, shape: Any) -> str | None:
    kind = shape.type_name
    try:
        coerce_scalar(value, shape)
    except (TypeError, ValueError) as exc:
        return str(exc)
    enum = getattr(shape, "enum", None)
    if kind == "string" and enum and str(value) not in enum:
        return f"'{value}' is not one of {', '.join(enum)}{suggest(str(value), list(enum))}"
    return None


def coerce_scalar(value: Any, shape: Any) -> Any:
    """Convert YAML/variable values to what botocore expects for a scalar shape."""
    kind = shape.type_name
    if kind in ("integer", "long"):
        if isinstance(value, bool):
            raise TypeError("should be an integer, not a boolean")
        if isinstance(value, int):
            return value
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            return int(value)
        raise InvalidParameters(f"should be an integer, got {value!r}")
    if kind in ("float", "double"):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        try:
            return float(value)
        except (TypeError, ValueError):
            raise InvalidParameters(f"should be a number, got {value!r}") from None
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise InvalidParameters(f"should be true or false, got {value!r}")
    if kind == "timestamp":
        if isinstance(value, datetime | int | float) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                raise InvalidParameters(f"should be an ISO 8601 timestamp, got {value!r}") from None
        raise InvalidParameters(f"should be a timestamp, got {value!r}")
    if kind == "string":
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        kind_name = {"LocDict": "a mapping", "LocList": "a list"}.get(
            type(value).__name__, type(value).__name__
        )
        raise InvalidParameters(f"should be a string, got {kind_name}")
    if kind == "blob":
        if isinstance(value, str | bytes):
            return value
        if isinstance(value, dict) and "size" in value:
            return _generated(value)
        raise InvalidParameters(f"should be {BODY_FORMS}")
    return value


GENERATED_KEYS = {"size", "seed", "fill"}


def _generated(spec: dict[str, Any]) -> dict[str, Any]:
    """Check a generated-body spec ({size, seed?, fill?}) unless it waits for outputs."""
    from assay.checks.aws.bodies import parse_size

    unknown = set(spec) - GENERATED_KEYS
    if unknown:
        names = ", ".join(sorted(map(str, unknown)))
        raise InvalidParameters(f"a generated body takes size, seed and fill, not {names}")
    if not is_deferred(spec["size"]):
        parse_size(spec["size"])
    seed = spec.get("seed", 0)
    if not is_deferred(seed) and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise InvalidParameters(f"seed should be an integer, got {seed!r}")
    return spec


def coerce(value: Any, shape: Any) -> Any:
    """Recursively coerce resolved parameter values to the shape's types."""
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        return {
            k: coerce(v, shape.members[k]) if k in shape.members else v for k, v in value.items()
        }
    if kind == "list" and isinstance(value, list):
        return [coerce(v, shape.member) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: coerce(v, shape.value) for k, v in value.items()}
    if kind in ("structure", "list", "map", "blob"):
        return value
    return coerce_scalar(value, shape)


def json_schema(shape: Any, depth: int = 0) -> dict[str, Any]:
    """A JSON Schema for a botocore shape (for editor completion)."""
    if depth > 8:
        return {}
    kind = shape.type_name
    doc = " ".join(_TAGS.sub(" ", shape.documentation or "").split())[:200]
    base: dict[str, Any] = {"description": doc} if doc else {}
    if kind == "structure":
        props = {name: json_schema(sub, depth + 1) for name, sub in shape.members.items()}
        out = {"type": "object", "properties": props, "additionalProperties": False}
        if shape.required_members:
            out["required"] = list(shape.required_members)
        return base | out
    if kind == "list":
        return base | {"type": "array", "items": json_schema(shape.member, depth + 1)}
    if kind == "map":
        return base | {
            "type": "object",
            "additionalProperties": json_schema(shape.value, depth + 1),
        }
    if kind == "string":
        enum = getattr(shape, "enum", None)
        return base | ({"type": "string", "enum": list(enum)} if enum else {"type": "string"})
    if kind in ("integer", "long"):
        return base | {"type": ["integer", "string"]}
    if kind in ("float", "double"):
        return base | {"type": ["number", "string"]}
    if kind == "boolean":
        return base | {"type": ["boolean", "string"]}
    if kind == "blob":
        return base | {
            "oneOf": [
                {"type": "string"},
                {
                    "type": "object",
                    "properties": {
                        "size": {"type": ["integer", "string"]},
                        "seed": {"type": "integer"},
                        "fill": {"type": "string"},
                    },
                    "required": ["size"],
                },
            ]
        }
    return base | {"type": "string"}
