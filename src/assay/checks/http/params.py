"""Parameters of ``http.request`` as a pydantic model: located problems, secrets, JSON Schema.

Validating also registers the secrets the parameters carry (a bearer token, a password, an
Authorization header, ``password``/``token`` keys of a JSON body), so they are masked in
every result. A value a step output fills in may arrive as text: ``timeout`` and
``follow_redirects`` take ``"30"`` and ``"false"`` when the step runs.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)

from assay.checks.params import Path as ParamPath
from assay.checks.params import at_run, is_deferred, problems_below, tidy_schema
from assay.config.models import StrictModel
from assay.core.registry import suggest
from assay.core.secrets import register as register_secret

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization"})
SCALARS = (str, int, float, bool)
SECRET_KEY = re.compile(r"pass(word)?|secret|token|api[-_]?key", re.IGNORECASE)
UNKNOWN = "unknown parameter '{key}'{hint}; valid: {valid}"
_SCALAR_SCHEMA = {"type": ["string", "number", "boolean"]}
_AUTH_USAGE = "'auth' must be none, {basic: {username, password}} or {bearer: token}"


def _scalar(value: Any) -> bool:
    return isinstance(value, SCALARS)


def text(value: Any) -> str:
    """A scalar as it goes on the wire (booleans as true/false)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def bearer_value(value: str) -> str:
    """``Bearer abc`` -> ``abc``: the secret part of an Authorization value."""
    scheme, _, rest = value.partition(" ")
    return rest.strip() if rest and scheme.isalpha() else value


def register_json_secrets(value: Any) -> None:
    """Mask values under password/secret/token/api_key keys of a JSON body (login forms)."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            if SECRET_KEY.search(str(key)) and _scalar(item) and not is_deferred(item):
                register_secret(text(item))
            register_json_secrets(item)
    elif isinstance(value, list):
        for item in value:
            register_json_secrets(item)


def _method(value: Any) -> str:
    if not isinstance(value, str) or value.upper() not in METHODS:
        hint = suggest(str(value).upper(), METHODS)
        raise ValueError(f"unknown HTTP method {value!r}{hint}: one of {', '.join(METHODS)}")
    return value.upper()


def _path(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("'path' must be a string")
    scheme = urlsplit(value).scheme if "://" in value and not is_deferred(value) else ""
    if scheme and scheme not in ("http", "https"):
        raise ValueError(f"'{scheme}' URLs are not HTTP; use http(s)://")
    return value


def _names(value: Any, info: ValidationInfo) -> dict[str, Any]:
    """A mapping of names to scalars (``query``: or lists of them), each checked at its name."""
    key, lists = info.field_name, info.field_name == "query"
    if not isinstance(value, Mapping):
        raise ValueError(f"'{key}' must be a mapping of names to values")
    problems: list[tuple[ParamPath, str]] = []
    for name, item in value.items():
        if not (_scalar(item) or (lists and isinstance(item, list) and all(map(_scalar, item)))):
            kinds = "a string, number, boolean or a list of them" if lists else "a string"
            problems.append(((name,), f"'{key}.{name}' must be {kinds}"))
    if problems:
        raise problems_below(problems)
    if lists:
        return {str(k): v for k, v in value.items()}
    headers = {str(k): text(v) for k, v in value.items()}
    for name, item in headers.items():
        if name.lower() in SECRET_HEADERS and not is_deferred(item):
            register_secret(bearer_value(item))
    return headers


def _body(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("'body' must be text or file://path; use 'json' for data")
    return value


def _payload(value: Any) -> Any:
    register_json_secrets(value)
    return value


def _auth(value: Any) -> Any:
    if value == "none":
        return value
    if not isinstance(value, Mapping) or len(value) != 1:
        raise ValueError(_AUTH_USAGE)
    ((scheme, spec),) = value.items()
    if scheme == "bearer" and _scalar(spec):
        register_secret(text(spec) if not is_deferred(spec) else None)
    elif scheme == "basic" and isinstance(spec, Mapping) and set(spec) <= {"username", "password"}:
        if not _scalar(spec.get("username")):
            raise problems_below([(("basic",), "basic auth needs a 'username'")])
        password = spec.get("password")
        register_secret(None if is_deferred(password) else text(password or ""))
    else:
        raise ValueError(_AUTH_USAGE)
    return value


def _timeout(value: Any, info: ValidationInfo) -> float:
    if at_run(info) and isinstance(value, str):  # filled in from a step output
        with contextlib.suppress(ValueError):
            value = float(value.strip())
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValueError("'timeout' must be a positive number (s)")
    return float(value)


def _redirects(value: Any, info: ValidationInfo) -> bool:
    if isinstance(value, bool):
        return value
    if at_run(info) and str(value).strip().lower() in ("true", "false"):
        return str(value).strip().lower() == "true"
    raise ValueError("'follow_redirects' must be a boolean")


def _schema(schema: dict[str, Any], model: type[BaseModel]) -> None:
    tidy_schema(schema, defaults=False)
    schema["not"] = {"required": ["body", "json"]}  # a body or JSON, not both


_AUTH_SCHEMA = {
    "oneOf": [
        {"const": "none"},
        {
            "type": "object",
            "properties": {
                "basic": {
                    "type": "object",
                    "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
                    "required": ["username"],
                    "additionalProperties": False,
                }
            },
            "required": ["basic"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "properties": {"bearer": {"type": "string"}},
            "required": ["bearer"],
            "additionalProperties": False,
        },
    ]
}


class HttpParams(StrictModel):
    """``http.request``'s parameters, normalised: the method upper-case, headers as text."""

    model_config = ConfigDict(json_schema_extra=_schema)

    method: Annotated[
        str,
        BeforeValidator(_method),
        WithJsonSchema({"type": "string", "enum": [*METHODS, *(m.lower() for m in METHODS)]}),
    ] = "GET"
    path: Annotated[str, BeforeValidator(_path), WithJsonSchema({"type": "string"})] = Field(
        "", description="Relative to base_url, or an absolute URL."
    )
    headers: Annotated[
        dict[str, str],
        BeforeValidator(_names),
        WithJsonSchema({"type": "object", "additionalProperties": _SCALAR_SCHEMA}),
    ] = Field(default_factory=dict)
    query: Annotated[
        dict[str, Any],
        BeforeValidator(_names),
        WithJsonSchema(
            {
                "type": "object",
                "additionalProperties": {
                    "oneOf": [_SCALAR_SCHEMA, {"type": "array", "items": _SCALAR_SCHEMA}]
                },
            }
        ),
    ] = Field(default_factory=dict)
    body: Annotated[str | None, BeforeValidator(_body), WithJsonSchema({"type": "string"})] = Field(
        None, description="Request body text, or file://path."
    )
    payload: Annotated[Any, BeforeValidator(_payload), WithJsonSchema({})] = Field(
        None, alias="json", description="A JSON value sent as application/json."
    )
    auth: Annotated[Any, BeforeValidator(_auth), WithJsonSchema(_AUTH_SCHEMA)] = None
    timeout: Annotated[
        float | None,
        BeforeValidator(_timeout),
        WithJsonSchema({"type": "number", "exclusiveMinimum": 0}),
    ] = None
    follow_redirects: Annotated[
        bool | None, BeforeValidator(_redirects), WithJsonSchema({"type": "boolean"})
    ] = None

    @model_validator(mode="after")
    def _body_or_json(self) -> HttpParams:
        if self.body is not None and self.has_json:
            raise problems_below([(("json",), "'body' and 'json' exclude each other: give one")])
        return self

    @property
    def has_json(self) -> bool:
        """Whether the step gave ``json`` (``json: null`` sends null)."""
        return "payload" in self.model_fields_set

    def content(self) -> bytes | None:
        """The body to send: the text, or the file's bytes (read now, for every request)."""
        if self.body is None:
            return None
        if self.body.startswith("file://"):
            return Path(self.body.removeprefix("file://")).read_bytes()
        return self.body.encode("utf-8")
