"""Parameters of the net kinds: a small declarative spec, validated at load and coerced at run.

Variables are substituted as text, so ``port: ${PORT}`` arrives as ``"8443"`` and
``verify: ${VERIFY}`` as ``"false"``: typed parameters accept their text forms too. A value
still holding a step-output reference (``${...}``) is only checked when the step runs.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from assay.core.checks import ParamProblem
from assay.core.registry import suggest

ParamType = Literal["str", "port", "bool", "choice", "ip"]
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


class ParamError(ValueError):
    """A parameter that is wrong once step outputs are resolved (an ERROR result)."""


@dataclass(frozen=True)
class Param:
    """One parameter of a kind."""

    name: str
    type: ParamType
    description: str
    required: bool = False
    choices: tuple[str, ...] = ()
    default: Any = None


def coerce(param: Param, value: Any) -> Any:
    """The value as the kind uses it; raises ``ParamError`` naming what is wrong."""
    if param.type == "port":
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ParamError(f"'{param.name}' must be a port number, got {value!r}")
        text = str(value).strip()
        if not text.isdigit() or not 1 <= int(text) <= 65535:
            raise ParamError(f"'{param.name}' must be a port from 1 to 65535, got {value!r}")
        return int(text)
    if param.type == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE | _FALSE:
            return text in _TRUE
        raise ParamError(f"'{param.name}' must be true or false, got {value!r}")
    if not isinstance(value, str) or not value.strip():
        raise ParamError(f"'{param.name}' must be a non-empty string, got {value!r}")
    if param.type == "choice":
        folded = {c.lower(): c for c in param.choices}
        if value.strip().lower() not in folded:
            hint = suggest(value, param.choices)
            raise ParamError(
                f"'{param.name}' must be one of {', '.join(param.choices)}, got {value!r}{hint}"
            )
        return folded[value.strip().lower()]
    if param.type == "ip":
        try:
            return str(ipaddress.ip_address(value.strip()))
        except ValueError:
            raise ParamError(f"'{param.name}' must be an IP address, got {value!r}") from None
    return value


def _deferred(value: Any) -> bool:
    return isinstance(value, str) and "${" in value


class NetKind:
    """Shared validation, schema and coercion of the net kinds' parameters."""

    family = "net"
    name = ""
    description = ""
    params: tuple[Param, ...] = ()

    def _names(self) -> list[str]:
        return [p.name for p in self.params]

    def validate(self, params: Mapping[str, Any]) -> list[ParamProblem]:
        """Unknown, missing and mistyped parameters, each at its key."""
        problems = []
        spec = {p.name: p for p in self.params}
        for key, value in params.items():
            param = spec.get(str(key))
            if param is None:
                hint = suggest(str(key), self._names())
                problems.append(
                    ParamProblem(
                        (key,),
                        f"unknown parameter '{key}'{hint}; parameters of {self.name}: "
                        + ", ".join(self._names()),
                    )
                )
                continue
            if _deferred(value):
                continue
            try:
                coerce(param, value)
            except ParamError as exc:
                problems.append(ParamProblem((key,), str(exc)))
        for param in self.params:
            if param.required and param.name not in params:
                problems.append(ParamProblem((), f"missing required parameter '{param.name}'"))
        return problems

    def values(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Coerced parameters, with defaults for those not given."""
        spec = {p.name: p for p in self.params}
        out = {p.name: p.default for p in self.params}
        for key, value in params.items():
            if key in spec:
                out[key] = coerce(spec[key], value)
        return out

    def params_schema(self) -> dict[str, Any]:
        """JSON schema of the parameters."""
        props: dict[str, Any] = {}
        for p in self.params:
            prop: dict[str, Any] = {"description": p.description}
            # the string forms admit ${VARIABLE} references, resolved at load or run time
            if p.type == "port":
                prop["anyOf"] = [
                    {"type": "integer", "minimum": 1, "maximum": 65535},
                    {"type": "string", "pattern": r"^\d+$|\$\{"},
                ]
            elif p.type == "bool":
                prop["type"] = ["boolean", "string"]
            elif p.type == "choice":
                prop["anyOf"] = [
                    {"type": "string", "enum": list(p.choices)},
                    {"type": "string", "pattern": r"\$\{"},
                ]
            else:
                prop["type"] = "string"
            if p.default is not None:
                prop["default"] = p.default
            props[p.name] = prop
        return {
            "type": "object",
            "properties": props,
            "required": [p.name for p in self.params if p.required],
            "additionalProperties": False,
        }
