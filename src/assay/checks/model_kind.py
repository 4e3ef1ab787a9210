"""A check kind whose parameters are one pydantic model: validation and schema come with it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel

from assay.config.params import param_problems, parse_params
from assay.core.checks import ParamProblem

P = TypeVar("P", bound=BaseModel)


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            rest = {k: v for k, v in node.items() if k != "$ref"}
            return {**_inline(defs[ref.removeprefix("#/$defs/")], defs), **rest}
        return {k: _inline(v, defs) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


class ModelKind(Generic[P]):
    """Subclasses set ``name``, ``family``, ``description`` and ``params_model``, and ``run``."""

    name: ClassVar[str]
    family: ClassVar[str]
    description: ClassVar[str]
    params_model: type[P]

    def validate(self, params: Mapping[str, Any]) -> list[ParamProblem]:
        return param_problems(self.params_model, params)

    def params_schema(self) -> dict[str, Any]:
        """The model's JSON Schema with its ``$defs`` inlined (it is embedded in the suite's)."""
        schema = self.params_model.model_json_schema()
        defs = schema.pop("$defs", {})
        return dict(_inline(schema, defs))

    def parse(self, params: Mapping[str, Any]) -> P:
        """The step's parameters as the model (step outputs already resolved)."""
        return parse_params(self.params_model, params)
