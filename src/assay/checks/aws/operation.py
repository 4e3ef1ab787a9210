"""One botocore operation as a check: canonical parameters in, an observation out.

The s3 family registers one ``Operation`` per S3 operation (``s3.PutObject``); ``aws.call``
builds them on demand for any service. Both validate against the same botocore model and
translate errors at the same boundary (``errors.from_exception``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from contextlib import ExitStack
from datetime import datetime
from typing import Any

from botocore import xform_name

from assay.checks.aws import bodies, model
from assay.checks.aws.errors import AWS_ERRORS, from_exception
from assay.core.checks import Observation, ParamProblem

# parameters that carry key material: never shown in results
SENSITIVE = {"SSECustomerKey", "CopySourceSSECustomerKey", "SSEKMSEncryptionContext"}


def jsonable(value: Any) -> Any:
    """Response values as JSON-like data (datetimes as ISO text, bytes as text or size)."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return f"<{len(value)} bytes>"
    return value


def prepare(params: Mapping[str, Any], shape: Any, stack: ExitStack) -> dict[str, Any]:
    """Canonical names, coerced scalars, and bodies opened for streaming."""
    ready = model.coerce(model.canonical(dict(params), shape), shape) if shape else dict(params)
    if shape is not None:
        for name, member in shape.members.items():
            if name in ready and model.is_body(member):
                ready[name] = bodies.open_body(ready[name], stack)
    return ready


def observe(response: dict[str, Any]) -> Observation:
    """A successful response as an observation; streaming bodies are read and digested."""
    meta = response.pop("ResponseMetadata", {}) or {}
    body = digest = None
    for key, stream in list(response.items()):
        if hasattr(stream, "read"):  # S3's Body, Lambda's Payload: one streaming member
            body, digest = bodies.read_stream(stream)
            response[key] = body if body is not None else f"<{digest['size']} bytes>"
    data = jsonable(response)
    return Observation(
        success=True,
        http_status=meta.get("HTTPStatusCode"),
        data=data,
        body=body,
        body_digest=digest,
    )


def safe_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters fit for results: no key material, bodies as their type."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        if key in SENSITIVE:
            out[key] = "***"
        elif isinstance(value, str | int | float | bool | list | dict):
            out[key] = jsonable(value)
        else:
            out[key] = f"<{type(value).__name__}>"
    return out


class Operation:
    """One operation of one service's botocore model."""

    def __init__(self, service: str, operation: str) -> None:
        self.service = service
        self.operation = operation
        self._method: str = xform_name(operation)

    @property
    def description(self) -> str:
        return model.describe(self.operation, self.service)

    @property
    def shape(self) -> Any:
        return model.service_model(self.service).operation_model(self.operation).input_shape

    def validate(
        self, params: Mapping[str, Any], at: tuple[str | int, ...] = ()
    ) -> list[ParamProblem]:
        """Problems of ``params`` against the input shape; ``at`` prefixes their paths."""
        problems: list[ParamProblem] = []
        if self.shape is None:
            if params:
                problems.append(ParamProblem(at, f"{self.operation} takes no parameters"))
            return problems
        model.check(dict(params), self.shape, at, problems)
        return problems

    def params_schema(self) -> dict[str, Any]:
        if self.shape is None:
            return {"type": ["object", "null"], "additionalProperties": False}
        return model.json_schema(self.shape)

    def call(self, client: Any, params: Mapping[str, Any], paginate: bool = False) -> Observation:
        """Invoke the operation (every page of it with ``paginate``) and observe the outcome."""
        started = time.perf_counter()
        with ExitStack() as stack:
            ready = prepare(params, self.shape, stack)
            try:
                if paginate:
                    pages = client.get_paginator(self._method).paginate(**ready)
                    response = pages.build_full_result()
                else:
                    response = getattr(client, self._method)(**ready)
            except AWS_ERRORS as exc:
                obs = from_exception(exc, model.label(self.service))
            else:
                obs = observe(response)
        obs.timings["total"] = time.perf_counter() - started
        if obs.body is None:  # conditions see the response document as [BODY]
            obs.context["BODY"] = dict(obs.data)
        obs.data.setdefault("parameters", safe_params(ready))
        return obs
