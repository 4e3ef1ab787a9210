"""JSON Schema of the native suite format, for editor completion (``assay schema``)."""

from __future__ import annotations

from typing import Any

from assay.config.models import STEP_OPTIONS, Expectation, Group, Suite
from assay.core.checks import CHECKS, TARGETS, CheckKind, TargetType
from assay.core.registry import Registry

SCHEMA_ID = "https://assay.dev/schema/suite-v1.json"


def _step_schema(checks: Registry[CheckKind]) -> dict[str, Any]:
    options: dict[str, Any] = {
        "name": {"type": "string"},
        "as": {"type": "string"},
        "target": {"type": "string"},
        "expect": {"$ref": "#/$defs/Expectation"},
        "outputs": {"type": "object", "additionalProperties": {"type": "string"}},
        "timeout": {"type": "number", "exclusiveMinimum": 0},
        "retries": {"type": "integer", "minimum": 1},
        "debug": {"type": "boolean"},
    }
    assert set(options) == set(STEP_OPTIONS)
    variants = []
    for name in checks.names():
        kind = checks.get(name)
        assert kind is not None
        variants.append(
            {
                "type": "object",
                "description": kind.description,
                "properties": {name: kind.params_schema(), **options},
                "required": [name],
                "additionalProperties": False,
            }
        )
    return {"oneOf": variants}


def suite_schema(
    checks: Registry[CheckKind] = CHECKS, targets: Registry[TargetType] = TARGETS
) -> dict[str, Any]:
    """The whole schema: suite keys, target types, groups, steps with every check kind."""
    suite = Suite.model_json_schema(ref_template="#/$defs/{model}")
    defs = suite.pop("$defs", {})
    defs["Expectation"] = Expectation.model_json_schema(ref_template="#/$defs/{model}")
    defs.update(defs["Expectation"].pop("$defs", {}))
    group = Group.model_json_schema(ref_template="#/$defs/{model}")
    defs.update(group.pop("$defs", {}))
    defs["Step"] = _step_schema(checks)
    for phase in ("before", "test", "after"):
        group["properties"][phase] = {"type": "array", "items": {"$ref": "#/$defs/Step"}}
    defs["Group"] = group
    target_variants = []
    for name in targets.names():
        target_type = targets.get(name)
        assert target_type is not None
        schema = target_type.settings_model.model_json_schema(ref_template="#/$defs/{model}")
        defs.update(schema.pop("$defs", {}))
        target_variants.append(schema)
    suite["properties"]["targets"] = {
        "type": "object",
        "additionalProperties": {"oneOf": target_variants},
    }
    suite["properties"]["groups"] = {"type": "array", "items": {"$ref": "#/$defs/Group"}}
    suite["properties"].pop("path", None)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "assay suite",
        **suite,
        "$defs": defs,
    }
