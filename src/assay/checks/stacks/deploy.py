"""``stacks.deploy``: the stacks to a CloudFormation endpoint, wave by wave.

The stacks of one wave deploy concurrently; a wave starts when the one before it ended well,
so an importing stack never goes before its exporter. Each stack is created or updated and
waited for (``cloudformation.py``). What the endpoint reports is the step's response:
``stacks.<name>.outputs.<key>`` and ``stacks.<name>.resources.<logical id>.physical_id``,
for ``outputs:`` to hand to later steps, and it is recorded on the target for
``stacks.destroy`` and ``stacks.rollback_complete``.

It fails on a stack that does not deploy (with the resource events that failed), one that
does not settle within ``stack_timeout``, and a stack that reports fewer outputs than its
template declares (moto's change sets publish none). Resources of the template that the
endpoint reports without a physical id, or not at all (moto's CloudFormation lacks some types
and says CREATE_COMPLETE anyway), are listed, and fail the step with ``missing_ids: fail``.
"""

from __future__ import annotations

import functools
import time
import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import Field

from assay.checks.aws.errors import AWS_ERRORS, from_exception
from assay.checks.aws.target import Clients
from assay.checks.stacks.cloudformation import CloudFormation
from assay.checks.stacks.graph import path_text, waves_text
from assay.checks.stacks.models import Deployment, DeploymentStatus, StackGraph
from assay.checks.stacks.stack_state import StackError, StackOutcome
from assay.checks.stacks.target import StacksKind, StacksTarget
from assay.checks.stacks.waves import WaitParams, chosen, failure_line, on_stack, run_waves
from assay.core.checks import CheckCall, Observation
from assay.core.errors import InvalidParameters
from assay.core.registry import suggest
from assay.core.secrets import register as register_secret

Capability = Literal["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
CAPABILITIES: tuple[Capability, ...] = (
    "CAPABILITY_IAM",
    "CAPABILITY_NAMED_IAM",
    "CAPABILITY_AUTO_EXPAND",
)
Scalar = str | int | float | bool


class DeployParams(WaitParams):
    parameters: dict[str, dict[str, Scalar]] = Field(
        default_factory=dict,
        description="Stack parameters: {StackName: {ParameterKey: value}}.",
    )
    tags: dict[str, str] = Field(default_factory=dict, description="Tags on every stack.")
    capabilities: list[Capability] = Field(
        default_factory=lambda: list(CAPABILITIES),
        description="Acknowledged capabilities (default: all three).",
    )
    change_sets: Literal["auto", "always", "never"] = Field(
        "auto",
        description="Deploy through change sets: 'auto' does except on the embedded server, "
        "whose change sets publish no outputs or exports.",
    )
    missing_ids: Literal["warn", "fail"] = Field(
        "warn",
        description="A resource the endpoint reports without a physical id (moto lacks the "
        "type): report it, or fail the step.",
    )


def text(value: Scalar) -> str:
    """A parameter value as CloudFormation takes it."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def stack_parameters(target: StacksTarget, p: DeployParams, names: list[str]) -> dict[str, Any]:
    """Each stack's parameters as text; InvalidParameters naming an unknown stack or key."""
    assembly = target.assembly()
    out: dict[str, dict[str, str]] = {name: {} for name in names}
    for stack, values in p.parameters.items():
        if stack not in out:
            raise InvalidParameters(
                f"'parameters': {stack} is not a stack to deploy{suggest(stack, names)}"
            )
        declared = (assembly.templates.get(stack) or {}).get("Parameters") or {}
        for key, value in values.items():
            if key not in declared:
                known = ", ".join(declared) or "none"
                raise InvalidParameters(
                    f"'parameters': {stack} has no parameter '{key}'"
                    f"{suggest(key, list(declared))} (its parameters: {known})"
                )
            if isinstance(declared[key], dict) and declared[key].get("NoEcho"):
                register_secret(text(value))
            out[stack][key] = text(value)
    return out


def missing_outputs(template: dict[str, Any], outcome: StackOutcome) -> list[str]:
    """Outputs the template declares unconditionally that the endpoint did not report."""
    declared = [
        key
        for key, spec in (template.get("Outputs") or {}).items()
        if not (isinstance(spec, dict) and spec.get("Condition"))
    ]
    return [key for key in declared if outcome.outputs.get(key) in (None, "")]


def missing_ids(template: dict[str, Any], outcome: StackOutcome) -> list[str]:
    """Resources of the template that the endpoint does not report with a physical id.

    moto lists resources of types its CloudFormation lacks with neither a logical nor a
    physical id, so the template is the reference. Conditional resources are left out.
    """
    out = []
    for logical_id, spec in (template.get("Resources") or {}).items():
        if not isinstance(spec, dict) or spec.get("Condition"):
            continue
        reported = outcome.resources.get(logical_id) or {}
        if not reported.get("physical_id"):
            out.append(f"{outcome.name}/{logical_id} ({spec.get('Type')})")
    return out


def record(
    target: StacksTarget,
    graph: StackGraph,
    outcomes: dict[str, StackOutcome],
    status: DeploymentStatus | None = None,
) -> None:
    """Keep what the endpoint reported (and how the deployment went) on the target."""
    assembly = target.assembly()
    with target.state_lock:
        if target.deployment is None:
            target.deployment = Deployment(
                id=uuid.uuid4().hex[:12],
                source=assembly.origin,
                graph=graph,
                stacks=[s.model_copy(deep=True) for s in assembly.stacks],
                started_at=datetime.now(UTC),
            )
        deployment = target.deployment
        if status is not None:
            deployment.status = status
            ended = status is not DeploymentStatus.DEPLOYING
            deployment.finished_at = datetime.now(UTC) if ended else None
        for name, outcome in outcomes.items():
            stack = deployment.stack(name)
            if stack is None:
                continue
            stack.stack_id, stack.status = outcome.stack_id, outcome.status
            for key, value in outcome.outputs.items():
                if key in stack.outputs:
                    stack.outputs[key].value = value
            for logical_id, reported in outcome.resources.items():
                resource = stack.resources.get(logical_id)
                if resource is not None:
                    resource.physical_id = reported.get("physical_id")
                    resource.status = reported.get("status")


class StacksDeploy(StacksKind[DeployParams]):
    name = "stacks.deploy"
    description = (
        "Deploy the stacks wave by wave (change sets, waits, parameters); outputs and "
        "physical ids are the response."
    )
    params_model = DeployParams

    def check(self, target: StacksTarget, p: DeployParams, call: CheckCall) -> Observation:
        started = time.perf_counter()
        assembly, names, graph = chosen(target, p.stacks)
        cycles = graph.cycles()
        if cycles:
            paths = "; ".join(path_text(c) for c in cycles)
            return Observation(
                success=False, error_code="DependencyCycle", message=f"cannot deploy: {paths}"
            )
        waves = graph.waves()
        parameters = stack_parameters(target, p, names)
        change_sets = p.change_sets == "always" or (
            p.change_sets == "auto" and not target.settings.embedded
        )

        def deploy(name: str, ops: CloudFormation, clients: Clients) -> StackOutcome:
            template = assembly.templates[name]
            outcome = ops.deploy(
                name, template, parameters[name], p.capabilities, p.tags, change_sets
            )
            absent = missing_outputs(template, outcome)
            if absent:
                record(target, graph, {name: outcome})
                raise StackError(
                    "OutputsMissing",
                    f"{name} is {outcome.status} but the endpoint reports no value for the "
                    f"outputs its template declares: {', '.join(absent)}"
                    + (" (moto's change sets publish none: use change_sets: never)" * change_sets),
                    outcome.status,
                )
            return outcome

        def one(name: str) -> StackOutcome:
            return on_stack(
                target, call.credential, name, p.waiting(), functools.partial(deploy, name)
            )

        record(target, graph, {}, DeploymentStatus.DEPLOYING)
        try:
            outcomes, failed, skipped = run_waves(waves, one)
        except AWS_ERRORS as exc:
            return from_exception(exc, "CloudFormation")
        status = DeploymentStatus.FAILED if failed else DeploymentStatus.DEPLOYED
        record(target, graph, outcomes, status)
        no_ids = [
            line
            for name, outcome in outcomes.items()
            for line in missing_ids(assembly.templates[name], outcome)
        ]
        return self._observation(p, waves, change_sets, outcomes, failed, skipped, no_ids, started)

    @staticmethod
    def _observation(
        p: DeployParams,
        waves: list[list[str]],
        change_sets: bool,
        outcomes: dict[str, StackOutcome],
        failed: dict[str, dict[str, Any]],
        skipped: list[str],
        no_ids: list[str],
        started: float,
    ) -> Observation:
        data: dict[str, Any] = {
            "waves": waves,
            "change_sets": change_sets,
            "stacks": {name: o.to_dict() for name, o in outcomes.items()},
            "failed": failed,
            "skipped": skipped,
            "missing_ids": no_ids,
        }
        timings = {"total": time.perf_counter() - started}
        shown = waves_text(waves)
        ids_note = (
            f"{len(no_ids)} resource{'s' if len(no_ids) != 1 else ''} the endpoint reports "
            f"without a physical id (not created): {', '.join(no_ids)}"
        )
        if failed or (no_ids and p.missing_ids == "fail"):
            problems = [failure_line(name, f) for name, f in failed.items()]
            if skipped:
                problems.append(f"not deployed: {', '.join(skipped)} (after a failed wave)")
            if no_ids and p.missing_ids == "fail":
                problems.append(ids_note)
            code = next(iter(failed.values()))["code"] if failed else "MissingPhysicalIds"
            return Observation(
                success=False,
                error_code=code,
                message="; ".join(problems),
                data=data,
                timings=timings,
            )
        actions: dict[str, list[str]] = {}
        for name, outcome in outcomes.items():
            actions.setdefault(outcome.action, []).append(name)
        done = "; ".join(f"{action}: {', '.join(n)}" for action, n in actions.items())
        message = f"{len(outcomes)} stacks in {len(waves)} waves {shown} ({done})"
        if no_ids:
            message += f"; {ids_note}"
        return Observation(success=True, message=message, data=data, timings=timings)
