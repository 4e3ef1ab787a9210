"""``aws.call``: any operation of any AWS service, validated against botocore's model at load.

One kind with ``service``/``operation``/``params`` rather than a kind per operation
(``aws.dynamodb.DescribeTable``): botocore knows some 440 services and 19,800 operations;
registering each would load every service model at start-up (about 7 s) and bury
``assay list checks`` and ``assay schema``. The s3 family keeps its kind per operation;
``aws.call`` validates the same way, through the same model (``checks/aws/model.py``).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from botocore import xform_name

from assay.checks.aws import model
from assay.checks.aws.connection import CONNECTED_TYPES
from assay.checks.aws.operation import Operation
from assay.checks.aws.params import CallParams, parse
from assay.checks.params import is_deferred
from assay.core.checks import CheckCall, Observation, ParamProblem
from assay.core.errors import InvalidParameters
from assay.core.registry import suggest


@functools.cache
def operation(service: str, name: str) -> Operation:
    """The shared ``Operation`` of ``service``'s operation ``name`` (a model name)."""
    return Operation(service, name)


def _operation_problem(service: str, name: str) -> ParamProblem:
    names = model.operation_names(service)
    snake = "_" in name or name.islower()
    pool = [xform_name(n) for n in names] if snake else names
    hint = suggest(name, pool) or f" ({service} has {len(names)} operations, e.g. {names[0]})"
    return ParamProblem(("operation",), f"unknown operation '{name}' of {service}{hint}")


class AwsCall:
    """The ``aws.call`` check kind."""

    name = "aws.call"
    family = "aws"
    target_types = CONNECTED_TYPES
    description = (
        "Call any operation of any AWS service (botocore's model); expect on the response."
    )

    def validate(self, params: Mapping[str, Any]) -> list[ParamProblem]:
        parsed, problems = parse(CallParams, params)
        if parsed is None or is_deferred(parsed.service):
            return problems
        if parsed.service not in model.services():
            hint = suggest(parsed.service, model.services())
            return [ParamProblem(("service",), f"unknown AWS service '{parsed.service}'{hint}")]
        if is_deferred(parsed.operation):
            return problems
        found = model.operation(parsed.service, parsed.operation)
        if found is None:
            return [_operation_problem(parsed.service, parsed.operation)]
        if parsed.paginate and not model.can_paginate(parsed.service, found):
            problems.append(
                ParamProblem(("paginate",), f"{parsed.service} {found} has no pages to fetch")
            )
        return problems + operation(parsed.service, found).validate(parsed.params, ("params",))

    def params_schema(self) -> dict[str, Any]:
        return CallParams.model_json_schema()

    def run(self, call: CheckCall) -> Observation:
        if not call.validated:  # step outputs were filled in: check what they made
            problems = self.validate(call.params)
            if problems:
                raise InvalidParameters("; ".join(p.message for p in problems))
        p = CallParams.model_validate(dict(call.params))
        found = model.operation(p.service, p.operation)
        assert found is not None  # validated
        client = call.target.client(p.service, call.credential, p.region)  # type: ignore[attr-defined]
        return operation(p.service, found).call(client, p.params, p.paginate)
