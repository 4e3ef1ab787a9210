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
from assay.checks.aws.params import UNKNOWN, CallParams
from assay.checks.model_kind import ModelKind
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


class AwsCall(ModelKind[CallParams]):
    """The ``aws.call`` check kind."""

    name = "aws.call"
    family = "aws"
    target_types = CONNECTED_TYPES
    description = (
        "Call any operation of any AWS service (botocore's model); expect on the response."
    )
    params_model = CallParams
    unknown_key = UNKNOWN

    def validate(self, params: Mapping[str, Any]) -> list[ParamProblem]:
        """The model's problems, then the service, the operation and its parameters against
        botocore's model (each left for the step's run while it is a step-output reference)."""
        problems = super().validate(params)
        deferred = {k for k, v in params.items() if is_deferred(v)}
        if problems or "service" in deferred:
            return problems
        # deferred values need not be of their type yet (the operation stays in: it is text)
        kept = {k: v for k, v in params.items() if k not in deferred or k == "operation"}
        return self._operation_problems(CallParams.model_validate(kept), deferred)

    def _operation_problems(self, p: CallParams, deferred: set[str]) -> list[ParamProblem]:
        if p.service not in model.services():
            hint = suggest(p.service, model.services())
            return [ParamProblem(("service",), f"unknown AWS service '{p.service}'{hint}")]
        if "operation" in deferred:
            return []
        found = model.operation(p.service, p.operation)
        if found is None:
            return [_operation_problem(p.service, p.operation)]
        problems = []
        if p.paginate and not model.can_paginate(p.service, found):
            problems.append(
                ParamProblem(("paginate",), f"{p.service} {found} has no pages to fetch")
            )
        if "params" not in deferred:
            problems += operation(p.service, found).validate(p.params, ("params",))
        return problems

    def run(self, call: CheckCall) -> Observation:
        p = self.parse(call)
        if not call.validated:  # step outputs were filled in: check what they made
            problems = self._operation_problems(p, set())
            if problems:
                raise InvalidParameters("; ".join(problem.message for problem in problems))
        found = model.operation(p.service, p.operation)
        assert found is not None  # validated
        client = call.target.client(p.service, call.credential, p.region)  # type: ignore[attr-defined]
        return operation(p.service, found).call(client, p.params, p.paginate)
