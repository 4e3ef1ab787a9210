"""Every operation of botocore's S3 model as a check kind (``s3.PutObject``, ...)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from contextlib import ExitStack
from datetime import datetime
from typing import Any

from botocore import xform_name
from botocore.exceptions import BotoCoreError, ClientError

from assay.checks.s3 import bodies, model
from assay.checks.s3.errors import from_exception
from assay.core.checks import CHECKS, CheckCall, Observation, ParamProblem


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
    stream = response.get("Body")
    if stream is not None and hasattr(stream, "read"):
        body, digest = bodies.read_stream(stream)
        response["Body"] = body if body is not None else f"<{digest['size']} bytes>"
    data = jsonable(response)
    return Observation(
        success=True,
        http_status=meta.get("HTTPStatusCode"),
        data=data,
        body=body,
        body_digest=digest,
    )


class S3Operation:
    """One botocore S3 operation as a check kind."""

    family = "s3"

    def __init__(self, operation: str) -> None:
        self.operation = operation
        self.name = f"s3.{operation}"
        self._method: str = xform_name(operation)

    @property
    def description(self) -> str:
        return model.describe(self.operation)

    @property
    def shape(self) -> Any:
        return model.service_model().operation_model(self.operation).input_shape

    def validate(self, params: Mapping[str, Any]) -> list[ParamProblem]:
        problems: list[ParamProblem] = []
        if self.shape is None:
            if params:
                problems.append(ParamProblem((), f"{self.name} takes no parameters"))
            return problems
        model.check(dict(params), self.shape, (), problems)
        return problems

    def params_schema(self) -> dict[str, Any]:
        if self.shape is None:
            return {"type": ["object", "null"], "additionalProperties": False}
        return model.json_schema(self.shape)

    def method(self, client: Any) -> Any:
        return getattr(client, self._method)

    def run(self, call: CheckCall) -> Observation:
        client = call.target.client(call.credential)  # type: ignore[attr-defined]
        started = time.perf_counter()
        with ExitStack() as stack:
            params = prepare(call.params, self.shape, stack)
            try:
                response = self.method(client)(**params)
            except (ClientError, BotoCoreError) as exc:
                obs = from_exception(exc)
            else:
                obs = observe(response)
        obs.timings["total"] = time.perf_counter() - started
        obs.data.setdefault("parameters", _safe_params(params))
        return obs


SENSITIVE = {"SSECustomerKey", "CopySourceSSECustomerKey", "SSEKMSEncryptionContext"}


def _safe_params(params: dict[str, Any]) -> dict[str, Any]:
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


def register_all() -> None:
    for operation in model.operation_names():
        CHECKS.register(f"s3.{operation}", S3Operation(operation))
