"""Parameters of the net kinds as pydantic models: validated at load, coerced at run.

Variables are substituted as text, so ``port: ${PORT}`` arrives as ``"8443"`` and
``verify: ${VERIFY}`` as ``"false"``: typed parameters accept their text forms too. A value
still holding a step-output reference (``${...}``) is only checked when the step runs. Each
type's JSON Schema admits those text forms (and references), for editors.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationInfo, WithJsonSchema

from assay.checks.model_kind import ModelKind
from assay.checks.params import tidy_schema
from assay.config.models import StrictModel
from assay.core.registry import suggest

P = TypeVar("P", bound=BaseModel)
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}
REFERENCE = {"type": "string", "pattern": r"\$\{"}


def _port(value: Any, info: ValidationInfo) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"'{info.field_name}' must be a port number, got {value!r}")
    text = str(value).strip()
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise ValueError(f"'{info.field_name}' must be a port from 1 to 65535, got {value!r}")
    return int(text)


def _flag(value: Any, info: ValidationInfo) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise ValueError(f"'{info.field_name}' must be true or false, got {value!r}")


def _text(value: Any, info: ValidationInfo) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"'{info.field_name}' must be a non-empty string, got {value!r}")
    return value


def _ip(value: Any, info: ValidationInfo) -> str:
    text = _text(value, info)
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        raise ValueError(f"'{info.field_name}' must be an IP address, got {value!r}") from None


def _one_of(choices: tuple[str, ...]) -> Callable[[Any, ValidationInfo], str]:
    folded = {c.lower(): c for c in choices}

    def choose(value: Any, info: ValidationInfo) -> str:
        text = _text(value, info)
        if text.strip().lower() not in folded:
            hint = suggest(text, choices)
            raise ValueError(
                f"'{info.field_name}' must be one of {', '.join(choices)}, got {value!r}{hint}"
            )
        return folded[text.strip().lower()]

    return choose


Port = Annotated[
    int | None,
    BeforeValidator(_port),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 1, "maximum": 65535},
                {"type": "string", "pattern": r"^\d+$|\$\{"},
            ]
        }
    ),
]
Flag = Annotated[bool, BeforeValidator(_flag), WithJsonSchema({"type": ["boolean", "string"]})]
Text = Annotated[str, BeforeValidator(_text), WithJsonSchema({"type": "string"})]
MaybeText = Annotated[str | None, BeforeValidator(_text), WithJsonSchema({"type": "string"})]
MaybeIp = Annotated[str | None, BeforeValidator(_ip), WithJsonSchema({"type": "string"})]


def one_of(choices: tuple[str, ...]) -> BeforeValidator:
    """Validates one of ``choices``, case-insensitively (given back as the choice is written)."""
    return BeforeValidator(_one_of(choices))


def choices_schema(choices: tuple[str, ...]) -> WithJsonSchema:
    """The JSON Schema of ``one_of(choices)``: a choice, or a reference resolved later."""
    return WithJsonSchema({"anyOf": [{"type": "string", "enum": list(choices)}, REFERENCE]})


def _plain_schema(schema: dict[str, Any], model: type[BaseModel]) -> None:
    tidy_schema(schema)
    schema.setdefault("required", [])


class NetParams(StrictModel):
    """What the net kinds' parameter models share: their schema's shape."""

    model_config = ConfigDict(json_schema_extra=_plain_schema)


class NetKind(ModelKind[P]):
    """A net kind: its parameters a ``NetParams`` model, an unknown one told with the rest."""

    family = "net"
    unknown_key: ClassVar[str] = "unknown parameter '{key}'{hint}; parameters of {kind}: {valid}"
