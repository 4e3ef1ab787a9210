"""What every describer shares: not-found translation, optional parts, tags, ARNs, JSON."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from assay.checks.aws.errors import (
    ErrorAnswer,
    error_code,
    error_line,
    error_message,
    error_status,
    transient,
)
from assay.checks.aws.operation import jsonable
from assay.core.errors import TargetFailure

Clients = Callable[[str], Any]  # service name -> botocore client


NOT_FOUND = "ResourceNotFound"


class NotFound(TargetFailure):
    """The resource does not exist (a FAILED step, ``ResourceNotFound``, not an ERROR)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(NOT_FOUND, message)
        self.status = status


@contextmanager
def missing(noun: str, ident: str, *codes: str, match: str = "") -> Iterator[None]:
    """Turn the error codes that mean "no such resource" into ``NotFound``.

    ``match`` narrows a generic code (CloudFormation's ValidationError) to its message.
    """
    try:
        yield
    except ErrorAnswer as exc:
        if error_code(exc) in codes and match.lower() in error_message(exc).lower():
            raise NotFound(f"{noun} '{ident}' does not exist", error_status(exc)) from None
        raise


class Parts:
    """Optional parts of a description (a bucket's policy, a table's TTL).

    An error code that means "not configured" gives the default; any other lasting error
    (access denied, not implemented) leaves the part out and names it under ``Unavailable``,
    so one unreadable part does not hide the rest. Transient errors propagate: the step is
    retried.
    """

    def __init__(self, service: str) -> None:
        self.service = service
        self.unavailable: dict[str, str] = {}

    def get(
        self, name: str, call: Callable[[], Any], absent: tuple[str, ...] = (), default: Any = None
    ) -> Any:
        try:
            return call()
        except ErrorAnswer as exc:
            if error_code(exc) in absent:
                return default
            if transient(exc):
                raise
            self.unavailable[name] = error_line(exc, self.service)
            return None

    def finish(self, doc: dict[str, Any]) -> dict[str, Any]:
        """``doc`` as JSON-like data, with ``Unavailable`` when a part could not be read."""
        if self.unavailable:
            doc["Unavailable"] = dict(self.unavailable)
        out: dict[str, Any] = jsonable(doc)
        return out


def tag_map(tags: Any, key: str = "Key", value: str = "Value") -> dict[str, str]:
    """Tags as a mapping, from AWS's list of ``{Key, Value}`` (or a mapping already)."""
    if isinstance(tags, Mapping):
        return {str(k): str(v) for k, v in tags.items()}
    return {str(t[key]): str(t.get(value, "")) for t in tags or []}


def arn_resource(ident: str) -> str:
    """The resource part of an ARN (``role/path/name``), or ``ident`` when it is no ARN."""
    if ident.startswith("arn:"):
        return ident.split(":", 5)[-1]
    return ident


def last_segment(ident: str) -> str:
    """``name`` of ``arn:...:role/path/name`` or ``https://host/account/name``."""
    return arn_resource(ident).rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]


def json_value(text: Any) -> Any:
    """A JSON document AWS returns as text (policies), parsed; other values unchanged."""
    if isinstance(text, str) and text.strip()[:1] in ("{", "["):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def pages(client: Any, operation: str, key: str, **params: Any) -> Iterator[Any]:
    """Every item under ``key`` of every page of a paginated operation."""
    for page in client.get_paginator(operation).paginate(**params):
        yield from page.get(key) or []
