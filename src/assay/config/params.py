"""Check-kind parameters as pydantic models: load-time problems located at the parameter.

A family whose parameters are a ``StrictModel`` gets unknown keys with a suggestion, types and
ranges for free: ``param_problems`` turns a validation error into ``ParamProblem``s whose
paths the loader maps back to the suite's file and line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from assay.core.checks import ParamProblem

M = TypeVar("M", bound=BaseModel)


def _message(err: Any) -> str:
    if err["type"] == "missing":
        return f"missing required parameter '{err['loc'][-1]}'"
    msg = str(err["msg"]).replace("Value error, ", "")
    return msg.replace("Input should be", "should be")


def problems_of(exc: ValidationError) -> list[ParamProblem]:
    """One problem per distinct location, messages of one location joined with 'or'."""
    merged: dict[tuple[str | int, ...], list[str]] = {}
    for err in exc.errors():
        loc = tuple(err["loc"])
        key = (err.get("ctx") or {}).get("key")
        if err["type"] == "missing":
            loc = loc[:-1]
        elif key is not None:  # an unknown key: point at the key itself
            loc = (*loc, key)
        messages = merged.setdefault(loc, [])
        message = _message(err)
        if message not in messages:
            messages.append(message)
    return [ParamProblem(path, " or ".join(messages)) for path, messages in merged.items()]


def param_problems(model: type[BaseModel], params: Mapping[str, Any]) -> list[ParamProblem]:
    """Every problem of ``params`` against ``model``.

    A parameter that is a step-output reference (``waves: ${waves}``) gets its value when the
    step runs; it is checked then, and left out now.
    """
    deferred = {k for k, v in params.items() if isinstance(v, str) and "${" in v}
    try:
        model.model_validate({k: v for k, v in params.items() if k not in deferred})
    except ValidationError as exc:
        return [p for p in problems_of(exc) if not (p.path and p.path[0] in deferred)]
    return []


def parse_params(model: type[M], params: Mapping[str, Any]) -> M:
    """The parameters as ``model`` when the step runs (outputs resolved); raises ValueError."""
    try:
        return model.model_validate(dict(params))
    except ValidationError as exc:
        text = "; ".join(
            f"{'.'.join(map(str, p.path))}: {p.message}" if p.path else p.message
            for p in problems_of(exc)
        )
        raise ValueError(f"invalid parameters: {text}") from None
