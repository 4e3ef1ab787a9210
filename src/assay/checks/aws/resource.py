"""``aws.resource`` and the ready-made kinds (``aws.s3_bucket``, ``aws.dynamodb_table``, ...).

Each step describes one resource in one observation: the document of ``resources/<service>``
is the step's response, so ``expect`` matches its properties (``fields`` by JMESPath, exact
or ``{regex: ...}``; ``contains``; ``conditions`` such as ``[BODY].ItemCount >= 0``) and
``outputs`` capture ``Arn``, ``Url`` or ``Name`` for later steps. A resource that does not
exist is the error ``ResourceNotFound``: a FAILED step, or a passing one under
``expect: {error: ResourceNotFound}``.

A resource can also be named through a deployed stack (``stack`` with ``logical_id`` or
``output``): CloudFormation is asked for its physical id, and for its type when the kind does
not fix one. The kinds run on ``aws`` targets and on ``stacks`` and ``terraform`` targets,
which carry the same connection settings, so a suite verifies what it deployed against the
same account (and the same embedded server).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from assay.checks.aws import model, resources
from assay.checks.aws.connection import CONNECTED_TYPES
from assay.checks.aws.errors import AWS_ERRORS, from_exception
from assay.checks.aws.params import UNKNOWN, ResourceId, ResourceParams
from assay.checks.aws.resources import Clients, NotFound, ResourceType
from assay.checks.aws.resources.cloudformation import stack_output, stack_resource
from assay.checks.model_kind import ModelKind
from assay.checks.params import is_deferred
from assay.core.checks import CheckCall, Observation, ParamProblem
from assay.core.errors import InvalidParameters
from assay.core.registry import suggest


def _not_found(exc: NotFound, data: dict[str, Any]) -> Observation:
    return Observation(
        success=False, error_code=exc.code, http_status=exc.status, message=str(exc), data=data
    )


def observe(resource_type: ResourceType, clients: Any, ident: str) -> Observation:
    """Describe one resource as an observation; missing is ``ResourceNotFound``."""
    started = time.perf_counter()
    try:
        doc = resource_type.describe(clients, ident, False)
    except NotFound as exc:
        obs = _not_found(exc, {"Type": resource_type.name, "Id": resource_type.canonical(ident)})
    except AWS_ERRORS as exc:
        obs = from_exception(exc, model.label(resource_type.service))
    else:
        obs = Observation(success=True, data=doc, context={"BODY": doc})
    obs.timings["total"] = time.perf_counter() - started
    return obs


def resolve(clients: Clients, params: ResourceId) -> tuple[str | None, str]:
    """(CloudFormation type or None, id) of the resource the parameters name."""
    if params.stack is None:
        return None, params.ident
    if params.logical_id is not None:
        cfn_type, physical = stack_resource(clients, params.stack, params.logical_id)
        return cfn_type, physical
    assert params.output is not None  # validated: one of the two
    return None, stack_output(clients, params.stack, params.output)


class _ResourceKind(ModelKind[ResourceId]):
    family = "aws"
    target_types = CONNECTED_TYPES
    params_model: type[ResourceId] = ResourceId
    unknown_key = UNKNOWN

    def _resource_type(self, params: Any, cfn_type: str | None) -> ResourceType:
        raise NotImplementedError

    def run(self, call: CheckCall) -> Observation:
        p = self.parse(call)
        clients = call.target.clients(call.credential, p.region)  # type: ignore[attr-defined]
        started = time.perf_counter()
        try:
            cfn_type, ident = resolve(clients, p)
        except NotFound as exc:
            where = {"Stack": p.stack, "LogicalId": p.logical_id, "Output": p.output}
            obs = _not_found(exc, {k: v for k, v in where.items() if v is not None})
            obs.timings["total"] = time.perf_counter() - started
            return obs
        except AWS_ERRORS as exc:
            return from_exception(exc, "CloudFormation")
        return observe(self._resource_type(p, cfn_type), clients, ident)


class AwsResource(_ResourceKind):
    """``aws.resource``: any known type, by its name, CloudFormation or Terraform type."""

    name = "aws.resource"
    description = (
        "A resource (by type and id or name) exists; its description is the response to expect on."
    )
    params_model = ResourceParams

    def validate(self, params: Mapping[str, Any]) -> list[ParamProblem]:
        """The model's problems, and a ``type`` assay does not know (with a suggestion)."""
        problems = super().validate(params)
        given = params.get("type")
        if (
            not problems
            and isinstance(given, str)
            and not is_deferred(given)
            and resources.lookup(given) is None
        ):
            hint = suggest(given, resources.names())
            known = ", ".join(resources.TYPES.names())
            problems.append(
                ParamProblem(("type",), f"unknown resource type '{given}'{hint}; known: {known}")
            )
        return problems

    def _resource_type(self, params: Any, cfn_type: str | None) -> ResourceType:
        name = params.type or cfn_type
        resource_type = resources.lookup(name or "")
        if resource_type is None:  # the type came from a step output, or from the stack
            where = f" (the type of {params.stack}/{params.logical_id})" if cfn_type else ""
            raise InvalidParameters(resources.TYPES.unknown_message(name or "") + where)
        if cfn_type and resources.lookup(cfn_type) is not resource_type:
            raise InvalidParameters(
                f"{params.stack}/{params.logical_id} is an {cfn_type}, not a {resource_type.noun}"
            )
        return resource_type


class ReadyMade(_ResourceKind):
    """One resource type as its own kind: ``aws.sqs_queue: {name: orders}``."""

    def __init__(self, resource_type: ResourceType) -> None:
        super().__init__()
        self.resource_type = resource_type
        self.name = resource_type.kind
        self.description = f"Describe {resource_type.summary}; fails if it does not exist."

    def _resource_type(self, params: Any, cfn_type: str | None) -> ResourceType:
        if cfn_type and resources.lookup(cfn_type) is not self.resource_type:
            raise InvalidParameters(
                f"{params.stack}/{params.logical_id} is an {cfn_type}, not a "
                f"{self.resource_type.noun}: use {self._kind_for(cfn_type)}"
            )
        return self.resource_type

    @staticmethod
    def _kind_for(cfn_type: str) -> str:
        found = resources.lookup(cfn_type)
        return found.kind if found else "aws.call"


def kinds() -> list[_ResourceKind]:
    """``aws.resource`` and one ready-made kind per resource type."""
    made: list[_ResourceKind] = [AwsResource()]
    for resource_type in resources.all_types():
        made.append(ReadyMade(resource_type))
    return made
