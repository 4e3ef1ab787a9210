"""Check-kind parameters as pydantic models: load-time problems located at the parameter.

A kind whose parameters are a ``StrictModel`` gets unknown keys with a suggestion, types and
ranges for free: ``param_problems`` turns a validation error into ``ParamProblem``s whose
paths the loader maps back to the suite's file and line, and ``parse_params`` gives the
model when the step runs, or raises ``InvalidParameters``.

Validators see ``info.context["run"]``: False when the suite loads, True when the step runs
(a value a step output filled in may arrive as text, ``"30"`` for a number).
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, WithJsonSchema
from pydantic_core import PydanticCustomError

from assay.config.models import StrictModel
from assay.core.checks import ParamProblem
from assay.core.errors import InvalidParameters

M = TypeVar("M", bound=BaseModel)
# StrictModel's own wording; a kind may tell an unknown parameter its own way
UNKNOWN_KEY = "unknown key '{key}'{hint}; valid keys: {valid}"
# how a kind that says "parameter" words it (``unknown_key`` of a ``ModelKind``)
UNKNOWN_PARAMETER = "unknown parameter '{key}'{hint}; parameters of {kind}: {valid}"


def is_deferred(value: Any) -> bool:
    """A string still holding a step-output reference (``${...}``): checked when the step runs."""
    return isinstance(value, str) and "${" in value


def at_run(info: ValidationInfo) -> bool:
    """Whether a validator runs for a step about to run (else for a suite loading)."""
    return bool((info.context or {}).get("run"))


Path = tuple[str | int, ...]


def problems_below(problems: list[tuple[Path, str]]) -> PydanticCustomError:
    """An error for a validator that finds problems inside its value, each at its own path
    below the field (``headers.X-A``), where one ValueError would point at the field only."""
    text = "; ".join(message for _, message in problems)
    return PydanticCustomError("problems", "{text}", {"text": text, "problems": problems})


def tidy_schema(schema: dict[str, Any], defaults: bool = True) -> None:
    """A model's JSON Schema as a hand-written one reads: no titles, no docstring, no null
    defaults (and no defaults at all without ``defaults``); for ``json_schema_extra``."""
    schema.pop("title", None)
    schema.pop("description", None)
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)
        if not defaults or prop.get("default", ...) is None:
            prop.pop("default", None)


# a boolean parameter; its text forms ("true", "no") are accepted, as variables arrive as text
Flag = Annotated[bool, WithJsonSchema({"type": ["boolean", "string"]})]


def _plain_schema(schema: dict[str, Any], model: type[BaseModel]) -> None:
    tidy_schema(schema)
    schema.setdefault("required", [])


class KindParams(StrictModel):
    """A kind's parameters: unknown keys rejected with a suggestion, and a JSON Schema that
    reads as a hand-written one (defaults kept, ``required`` always present)."""

    model_config = ConfigDict(json_schema_extra=_plain_schema)


def _message(err: Any, unknown: str, kind: str) -> str:
    if err["type"] == "missing":
        return f"missing required parameter '{err['loc'][-1]}'"
    if err["type"] == "unknown_key":
        return unknown.format(kind=kind, **err["ctx"])
    msg = str(err["msg"]).replace("Value error, ", "")
    return msg.replace("Input should be", "should be")


def problems_of(
    exc: ValidationError, unknown: str = UNKNOWN_KEY, kind: str = "", skip: Set[str] = frozenset()
) -> list[ParamProblem]:
    """One problem per distinct location, messages of one location joined with 'or'.

    ``unknown`` words an unknown key (``{key}``, ``{hint}``, ``{valid}``, ``{kind}``); errors
    about the parameters in ``skip`` (missing ones included) are left out.
    """
    merged: dict[Path, list[str]] = {}
    for err in exc.errors():
        given = tuple(err["loc"])
        key = (err.get("ctx") or {}).get("key")
        loc = given
        if err["type"] == "missing":
            loc = loc[:-1]
        elif key is not None:  # an unknown key: point at the key itself
            loc = (*loc, key)
        found = [((), _message(err, unknown, kind))]
        if err["type"] == "problems":
            found = err["ctx"]["problems"]
        for below, message in found:
            if (*given, *below)[:1] and (*given, *below)[0] in skip:
                continue
            messages = merged.setdefault((*loc, *below), [])
            if message not in messages:
                messages.append(message)
    return [ParamProblem(path, " or ".join(messages)) for path, messages in merged.items()]


def param_problems(
    model: type[BaseModel], params: Mapping[str, Any], unknown: str = UNKNOWN_KEY, kind: str = ""
) -> list[ParamProblem]:
    """Every problem of ``params`` against ``model`` when the suite loads.

    A parameter that is a step-output reference (``waves: ${waves}``) gets its value when the
    step runs; it is checked then. It stays in now, so that checks across parameters see it
    given, and problems of its own are left out.
    """
    deferred = {k for k, v in params.items() if is_deferred(v)}
    try:
        model.model_validate(dict(params), context={"run": False})
    except ValidationError as exc:
        return problems_of(exc, unknown, kind, deferred)
    return []


def parse_params(
    model: type[M], params: Mapping[str, Any], unknown: str = UNKNOWN_KEY, kind: str = ""
) -> M:
    """The parameters as ``model`` when the step runs (outputs resolved).

    Raises ``InvalidParameters`` naming each problem and where it is.
    """
    try:
        return model.model_validate(dict(params), context={"run": True})
    except ValidationError as exc:
        text = "; ".join(
            f"{'.'.join(map(str, p.path))}: {p.message}" if p.path else p.message
            for p in problems_of(exc, unknown, kind)
        )
        raise InvalidParameters(text) from None
