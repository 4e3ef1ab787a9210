"""Parameters of ``openapi.contract``: names, load-time validation and their JSON Schema."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assay.core.checks import ParamProblem
from assay.core.registry import suggest

KEYS = ("schema", "max_examples", "seed", "checks", "modes", "operations")
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


def _names(params: Mapping[str, Any], key: str, known: tuple[str, ...]) -> list[ParamProblem]:
    value = params[key]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        return [ParamProblem((key,), f"'{key}' must be a non-empty list of names")]
    return [
        ParamProblem(
            (key, i), f"unknown {key[:-1]} '{v}'{suggest(v, known)}: one of {', '.join(known)}"
        )
        for i, v in enumerate(value)
        if v not in known
    ]


def validate(params: Mapping[str, Any]) -> list[ParamProblem]:
    """Every problem in the step's parameters, each at the parameter it concerns."""
    problems = [
        ParamProblem(
            (k,), f"unknown parameter '{k}'{suggest(str(k), KEYS)}; valid: {', '.join(KEYS)}"
        )
        for k in params
        if k not in KEYS
    ]
    if not isinstance(params.get("schema"), str) or not params["schema"]:
        problems.append(ParamProblem(("schema",), "'schema' (path, URL or file://) is required"))
    examples = params.get("max_examples", 20)
    if isinstance(examples, bool) or not isinstance(examples, int) or not 1 <= examples <= 1000:
        problems.append(ParamProblem(("max_examples",), "'max_examples' must be 1..1000"))
    if isinstance(params.get("seed", 0), bool) or not isinstance(params.get("seed", 0), int):
        problems.append(ParamProblem(("seed",), "'seed' must be an integer"))
    for key, known in (("checks", KNOWN_CHECKS), ("modes", MODES)):
        if key in params:
            problems += _names(params, key, known)
    ops = params.get("operations", [])
    if not isinstance(ops, list) or not all(isinstance(o, str) and o for o in ops):
        problems.append(
            ParamProblem(
                ("operations",), "'operations' must be a list of operationIds or 'GET /path'"
            )
        )
    return problems


def schema() -> dict[str, Any]:
    """JSON Schema of the parameters (for editor completion)."""
    names = {"type": "array", "minItems": 1, "items": {"type": "string"}}
    return {
        "type": "object",
        "properties": {
            "schema": {"type": "string", "description": "Path, absolute URL or file://."},
            "max_examples": {"type": "integer", "minimum": 1, "maximum": 1000},
            "seed": {"type": "integer"},
            "checks": {**names, "items": {"enum": list(KNOWN_CHECKS)}},
            "modes": {**names, "items": {"enum": list(MODES)}},
            "operations": names,
        },
        "required": ["schema"],
        "additionalProperties": False,
    }
