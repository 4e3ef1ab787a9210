"""Parameters of ``http.request``: load-time validation, run-time normalisation, JSON schema."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from assay.core.checks import ParamProblem
from assay.core.registry import suggest
from assay.core.secrets import register as register_secret

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")
KEYS = ("method", "path", "headers", "query", "body", "json", "auth", "timeout", "follow_redirects")
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization"})
SCALARS = (str, int, float, bool)
SECRET_KEY = re.compile(r"pass(word)?|secret|token|api[-_]?key", re.IGNORECASE)


def is_placeholder(value: Any) -> bool:
    """A string still holding a step-output reference (resolved when the step runs)."""
    return isinstance(value, str) and "${" in value


def _scalar(value: Any) -> bool:
    return isinstance(value, SCALARS)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _check_mapping(
    params: Mapping[str, Any], key: str, lists: bool, problems: list[ParamProblem]
) -> None:
    value = params[key]
    if not isinstance(value, Mapping):
        problems.append(ParamProblem((key,), f"'{key}' must be a mapping of names to values"))
        return
    for name, item in value.items():
        ok = _scalar(item) or (lists and isinstance(item, list) and all(map(_scalar, item)))
        if not ok:
            kinds = "a string, number, boolean or a list of them" if lists else "a string"
            problems.append(ParamProblem((key, name), f"'{key}.{name}' must be {kinds}"))


def register_json_secrets(value: Any) -> None:
    """Mask values under password/secret/token/api_key keys of a JSON body (login forms)."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            if SECRET_KEY.search(str(key)) and _scalar(item) and not is_placeholder(item):
                register_secret(_text(item))
            register_json_secrets(item)
    elif isinstance(value, list):
        for item in value:
            register_json_secrets(item)


def _check_auth(value: Any, problems: list[ParamProblem]) -> None:
    if value == "none":
        return
    usage = "'auth' must be none, {basic: {username, password}} or {bearer: token}"
    if not isinstance(value, Mapping) or len(value) != 1:
        problems.append(ParamProblem(("auth",), usage))
        return
    ((scheme, spec),) = value.items()
    if scheme == "bearer" and _scalar(spec):
        register_secret(_text(spec) if not is_placeholder(spec) else None)
    elif scheme == "basic" and isinstance(spec, Mapping) and set(spec) <= {"username", "password"}:
        if not _scalar(spec.get("username")):
            problems.append(ParamProblem(("auth", "basic"), "basic auth needs a 'username'"))
        password = spec.get("password")
        register_secret(None if is_placeholder(password) else _text(password or ""))
    else:
        problems.append(ParamProblem(("auth",), usage))


def _check_path(value: Any, problems: list[ParamProblem]) -> None:
    if not isinstance(value, str):
        problems.append(ParamProblem(("path",), "'path' must be a string"))
        return
    scheme = urlsplit(value).scheme if "://" in value and not is_placeholder(value) else ""
    if scheme and scheme not in ("http", "https"):
        problems.append(ParamProblem(("path",), f"'{scheme}' URLs are not HTTP; use http(s)://"))


def validate(params: Mapping[str, Any]) -> list[ParamProblem]:
    """Every problem in a step's parameters, each at the parameter it concerns."""
    problems: list[ParamProblem] = []
    for key in params:
        if key not in KEYS:
            hint = suggest(str(key), KEYS)
            problems.append(
                ParamProblem((key,), f"unknown parameter '{key}'{hint}; valid: {', '.join(KEYS)}")
            )
    method = params.get("method", "GET")
    if not isinstance(method, str) or (
        not is_placeholder(method) and method.upper() not in METHODS
    ):
        hint = suggest(str(method).upper(), METHODS)
        problems.append(
            ParamProblem(
                ("method",), f"unknown HTTP method {method!r}{hint}: one of {', '.join(METHODS)}"
            )
        )
    if "path" in params:
        _check_path(params["path"], problems)
    for key, lists in (("headers", False), ("query", True)):
        if key in params:
            _check_mapping(params, key, lists, problems)
    if "body" in params and "json" in params:
        problems.append(ParamProblem(("json",), "'body' and 'json' exclude each other: give one"))
    if "body" in params and not isinstance(params["body"], str):
        problems.append(
            ParamProblem(("body",), "'body' must be text or file://path; use 'json' for data")
        )
    if "auth" in params:
        _check_auth(params["auth"], problems)
    timeout = params.get("timeout", 1)
    if not is_placeholder(timeout) and (
        isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0
    ):
        problems.append(ParamProblem(("timeout",), "'timeout' must be a positive number (s)"))
    redirects = params.get("follow_redirects", True)
    if not isinstance(redirects, bool) and not is_placeholder(redirects):
        problems.append(ParamProblem(("follow_redirects",), "'follow_redirects' must be a boolean"))
    register_json_secrets(params.get("json"))
    headers = params.get("headers")
    for name, value in headers.items() if isinstance(headers, Mapping) else ():
        if str(name).lower() in SECRET_HEADERS and _scalar(value) and not is_placeholder(value):
            register_secret(_bearer_value(_text(value)))
    return problems


def _bearer_value(value: str) -> str:
    """``Bearer abc`` -> ``abc``: the secret part of an Authorization value."""
    scheme, _, rest = value.partition(" ")
    return rest.strip() if rest and scheme.isalpha() else value


@dataclass
class RequestSpec:
    """Parameters ready to send, after step outputs were resolved."""

    method: str = "GET"
    path: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    content: bytes | None = None
    json: Any = None
    has_json: bool = False
    auth: Any = None
    timeout: float | None = None
    follow_redirects: bool | None = None


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text not in ("true", "false"):
        raise ValueError(f"follow_redirects should be true or false, got {value!r}")
    return text == "true"


def prepare(params: Mapping[str, Any], validated: bool = False) -> RequestSpec:
    """Normalise parameters; values filled in from outputs are checked here, not at load."""
    if not validated:
        ignored = ("timeout", "follow_redirects")
        bad = validate({k: v for k, v in params.items() if k not in ignored})
        if bad:
            raise ValueError("; ".join(p.message for p in bad))
    spec = RequestSpec(method=str(params.get("method", "GET")).upper())
    spec.path = str(params.get("path", ""))
    spec.headers = {str(k): _text(v) for k, v in (params.get("headers") or {}).items()}
    for name, value in spec.headers.items():
        if name.lower() in SECRET_HEADERS:
            register_secret(_bearer_value(value))
    spec.query = {str(k): v for k, v in (params.get("query") or {}).items()}
    body = params.get("body")
    if isinstance(body, str):
        spec.content = (
            Path(body.removeprefix("file://")).read_bytes()
            if body.startswith("file://")
            else body.encode("utf-8")
        )
    if "json" in params:
        spec.json, spec.has_json = params["json"], True
    spec.auth = params.get("auth")
    if "timeout" in params:
        spec.timeout = float(params["timeout"])
        if spec.timeout <= 0:
            raise ValueError(f"timeout should be positive, got {params['timeout']!r}")
    if "follow_redirects" in params:
        spec.follow_redirects = _flag(params["follow_redirects"])
    return spec


_SCALAR_SCHEMA = {"type": ["string", "number", "boolean"]}


def schema() -> dict[str, Any]:
    """JSON Schema of the parameters (for editor completion)."""
    return {
        "type": "object",
        "properties": {
            "method": {"type": "string", "enum": [*METHODS, *(m.lower() for m in METHODS)]},
            "path": {"type": "string", "description": "Relative to base_url, or an absolute URL."},
            "headers": {"type": "object", "additionalProperties": _SCALAR_SCHEMA},
            "query": {
                "type": "object",
                "additionalProperties": {
                    "oneOf": [_SCALAR_SCHEMA, {"type": "array", "items": _SCALAR_SCHEMA}]
                },
            },
            "body": {"type": "string", "description": "Request body text, or file://path."},
            "json": {"description": "A JSON value sent as application/json."},
            "auth": {
                "oneOf": [
                    {"const": "none"},
                    {
                        "type": "object",
                        "properties": {
                            "basic": {
                                "type": "object",
                                "properties": {
                                    "username": {"type": "string"},
                                    "password": {"type": "string"},
                                },
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
            },
            "timeout": {"type": "number", "exclusiveMinimum": 0},
            "follow_redirects": {"type": "boolean"},
        },
        "not": {"required": ["body", "json"]},
        "additionalProperties": False,
    }
