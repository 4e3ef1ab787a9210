"""A check kind whose parameters are one pydantic model: validation and schema come with it."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel

from assay.checks.params import UNKNOWN_KEY, param_problems, parse_params
from assay.checks.target_type import FamilyTargetType, opened
from assay.core.checks import CheckCall, Observation, ParamProblem

P = TypeVar("P", bound=BaseModel)
T = TypeVar("T")
PARSED_KEPT = 4096  # parsed parameters of validated steps kept per kind


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
    """Subclasses set ``name``, ``family``, ``description`` and ``params_model``, and ``run``.

    ``unknown_key`` words an unknown parameter (``{key}``, ``{hint}``, ``{valid}`` and the
    kind's name as ``{kind}``); by default as every other unknown key of a suite.
    """

    name: str
    family: str
    description: str
    params_model: type[P]
    unknown_key: ClassVar[str] = UNKNOWN_KEY

    def __init__(self) -> None:
        # the step's own params object -> its model: a step the loader validated runs with
        # the same params every time, so they are parsed once, not on every call
        self._parsed: dict[int, tuple[Mapping[str, Any], P]] = {}
        self._parsed_lock = threading.Lock()

    def validate(self, params: Mapping[str, Any]) -> list[ParamProblem]:
        return param_problems(self.params_model, params, self.unknown_key, self.name)

    def params_schema(self) -> dict[str, Any]:
        """The model's JSON Schema with its ``$defs`` inlined (it is embedded in the suite's)."""
        schema = self.params_model.model_json_schema()
        defs = schema.pop("$defs", {})
        return dict(_inline(schema, defs))

    def parse(self, call: CheckCall) -> P:
        """The step's parameters as the model (step outputs already resolved)."""
        if not call.validated:
            return parse_params(self.params_model, call.params, self.unknown_key, self.name)
        hit = self._parsed.get(id(call.params))
        if hit is not None and hit[0] is call.params:  # holding it keeps its id unique
            return hit[1]
        parsed = parse_params(self.params_model, call.params, self.unknown_key, self.name)
        with self._parsed_lock:
            if len(self._parsed) >= PARSED_KEPT:
                self._parsed.clear()
            self._parsed[id(call.params)] = (call.params, parsed)
        return parsed


class TargetKind(ModelKind[P], Generic[P, T]):
    """A model kind that runs on one family's targets only (``target_type``'s)."""

    target_type: ClassVar[type[FamilyTargetType[Any, Any]]]

    def run(self, call: CheckCall) -> Observation:
        return self.check(opened(call, self.name, self.target_type), self.parse(call), call)

    def check(self, target: T, p: P, call: CheckCall) -> Observation:
        """Run the step on ``target`` with its parameters ``p``."""
        raise NotImplementedError
