"""The OpenAPI document of ``openapi.contract``: fetched through the target, parsed, loaded."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import yaml

from assay.checks.http.target import HttpTarget
from assay.core.errors import TargetFailure


class SchemaError(TargetFailure):
    """The document could not be had or read: ``code`` is the observation's error code."""

    def __init__(self, code: str, message: str, unreachable: bool = False) -> None:
        super().__init__(code, message)
        self.unreachable = unreachable


def parse(text: str, where: str) -> dict[str, Any]:
    """A JSON or YAML document that must be a mapping."""
    try:
        document = json.loads(text) if text.lstrip().startswith("{") else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise SchemaError("InvalidSchema", f"{where} is neither JSON nor YAML: {exc}") from None
    if not isinstance(document, dict):
        raise SchemaError("InvalidSchema", f"{where} is not an OpenAPI document (a mapping)")
    return document


def fetch(
    target: HttpTarget, where: str, auth: httpx.Auth | None, extra: dict[str, str], timeout: float
) -> dict[str, Any]:
    """The raw document: a local file, or a GET through the target's client."""
    if where.startswith("file://"):
        try:
            return parse(Path(where.removeprefix("file://")).read_text("utf-8"), where)
        except OSError as exc:
            raise SchemaError("SchemaUnavailable", f"cannot read {where}: {exc}") from None
    try:
        response = target.client.get(where, auth=auth, headers=extra, timeout=timeout)
    except httpx.RequestError as exc:
        text = str(exc) or type(exc).__name__
        raise SchemaError("SchemaUnavailable", f"schema {where}: {text}", True) from None
    if response.status_code >= 400:
        raise SchemaError("SchemaUnavailable", f"schema {where}: HTTP {response.status_code}")
    return parse(response.text, where)


def load(document: dict[str, Any]) -> Any:
    """The schemathesis schema of ``document``."""
    import schemathesis
    from schemathesis.core.errors import LoaderError

    try:
        schema = schemathesis.openapi.from_dict(document, config=schemathesis.Config())
    except LoaderError as exc:
        raise SchemaError("InvalidSchema", str(exc).splitlines()[0]) from None
    return schema
