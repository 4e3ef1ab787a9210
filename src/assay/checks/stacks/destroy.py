"""``stacks.destroy``: delete the stacks in reverse waves, emptying the buckets they created.

Stacks that nothing left depends on go first; the stacks of one wave are deleted at once.
Before a stack goes, every bucket it created is emptied (versions and delete markers too),
unless its ``DeletionPolicy`` keeps it: CloudFormation cannot delete a bucket that holds
objects, and moto reports ``DELETE_COMPLETE`` while leaving such a bucket behind. After
deletion the stack's resources are looked up again (``verify``): one that still exists fails
the step whatever the stack's status says. A stack that does not exist is fine (a deployment
that failed early); one that fails to go keeps the stacks it depends on.

Put it in an ``after`` phase: it runs when verification fails, under ``--fail-fast`` and after
Ctrl-C.
"""

from __future__ import annotations

import time
from typing import Any

from pydantic import Field

from assay.checks.aws import resources
from assay.checks.aws.buckets import empty_bucket
from assay.checks.aws.errors import (
    AWS_ERRORS,
    ErrorAnswer,
    error_code,
    from_exception,
)
from assay.checks.stacks import graph as algorithms
from assay.checks.stacks.cloudformation import CloudFormation
from assay.checks.stacks.models import DeploymentStatus
from assay.checks.stacks.stack_state import StackOutcome
from assay.checks.stacks.target import StacksKind, StacksTarget
from assay.checks.stacks.waves import WaitParams, chosen, failure_line, on_stack, run_waves
from assay.core.checks import CheckCall, Observation

BUCKET = "AWS::S3::Bucket"
KEPT = frozenset({"Retain", "RetainExceptOnCreate"})


class DestroyParams(WaitParams):
    empty_buckets: bool = Field(
        True, description="Empty the buckets the stacks created (versions included) first."
    )
    verify: bool = Field(
        True, description="After deletion, fail if a resource of the stack still exists."
    )


def kept(template: dict[str, Any], logical_id: str) -> bool:
    """Whether the template's ``DeletionPolicy`` keeps the resource when its stack goes."""
    spec = (template.get("Resources") or {}).get(logical_id)
    return isinstance(spec, dict) and spec.get("DeletionPolicy") in KEPT


def key(resource: dict[str, Any]) -> str | None:
    """The inventory key of a stack resource (``s3.bucket:name``), if assay knows its type."""
    found = resources.lookup(str(resource.get("type") or ""))
    physical = resource.get("physical_id")
    return f"{found.name}:{found.canonical(str(physical))}" if found and physical else None


def still_there(clients: Any, reported: dict[str, dict[str, Any]], skip: set[str]) -> list[str]:
    """Keys of the resources (of types assay can list) that exist although deleted.

    Each type is listed once (one call for most), which is far cheaper than describing every
    resource; ``stacks.rollback_complete`` compares whole descriptions.
    """
    wanted: dict[str, set[str]] = {}
    for logical_id, resource in reported.items():
        found = resources.lookup(str(resource.get("type") or ""))
        if logical_id in skip or found is None or not resource.get("physical_id"):
            continue
        wanted.setdefault(found.name, set()).add(found.canonical(str(resource["physical_id"])))
    left = []
    for type_name, idents in sorted(wanted.items()):
        found = resources.lookup(type_name)
        assert found is not None
        try:
            listed = {found.canonical(str(i)) for i in found.list_ids(clients)}
        except ErrorAnswer:
            continue  # unlistable (access denied): stacks.rollback_complete reports it
        left += [f"{type_name}:{ident}" for ident in sorted(idents & listed)]
    return left


class StacksDestroy(StacksKind[DestroyParams]):
    name = "stacks.destroy"
    description = (
        "Delete the stacks in reverse waves, emptying their buckets first; fails if a "
        "resource outlives its stack."
    )
    params_model = DestroyParams

    def check(self, target: StacksTarget, p: DestroyParams, call: CheckCall) -> Observation:
        started = time.perf_counter()
        assembly, names, graph = chosen(target, p.stacks)
        cycles = graph.cycles()
        # with a cycle there is no safe order: every stack is tried, one wave
        waves = [sorted(names)] if cycles else graph.teardown_waves()
        requires = graph.requires()

        def blocked(name: str, failed: Any) -> bool:
            return any(algorithms.reaches(requires, f, name) for f in failed)

        def one(name: str) -> StackOutcome:
            template = assembly.templates.get(name) or {}
            return on_stack(
                target,
                call.credential,
                name,
                p.waiting(),
                lambda ops, clients: self._destroy(ops, clients, name, template, p),
            )

        try:
            outcomes, failed, skipped = run_waves(waves, one, blocked)
        except AWS_ERRORS as exc:
            return from_exception(exc, "CloudFormation")
        self._record(target, outcomes, failed)
        return self._observation(waves, outcomes, failed, skipped, started)

    @staticmethod
    def _destroy(
        ops: CloudFormation, clients: Any, name: str, template: dict[str, Any], p: DestroyParams
    ) -> StackOutcome:
        begun = time.perf_counter()
        stack = ops.current(name)
        if stack is not None and stack.get("StackStatus") != "CREATE_IN_PROGRESS":
            stack = ops.settled(name)  # a creation can be cancelled by deleting; others end first
        if stack is None:
            return StackOutcome(name, ops.region, "absent", seconds=time.perf_counter() - begun)
        outcome = StackOutcome(name, ops.region, "delete", stack_id=str(stack["StackId"]))
        outcome.resources = ops.listed(outcome)
        keep = {lid for lid in outcome.resources if kept(template, lid)}
        outcome.retained = [k for lid in sorted(keep) if (k := key(outcome.resources[lid]))]
        if p.empty_buckets:
            for logical_id, resource in outcome.resources.items():
                bucket = resource.get("physical_id")
                if resource.get("type") != BUCKET or not bucket or logical_id in keep:
                    continue
                try:
                    outcome.emptied[str(bucket)] = empty_bucket(clients("s3"), str(bucket))
                except ErrorAnswer as exc:
                    if error_code(exc) != "NoSuchBucket":
                        raise
        final = ops.delete(name, stack)
        outcome.status = str(final.get("StackStatus"))
        if p.verify:
            outcome.left_behind = still_there(clients, outcome.resources, keep)
        outcome.seconds = time.perf_counter() - begun
        return outcome

    @staticmethod
    def _record(
        target: StacksTarget, outcomes: dict[str, StackOutcome], failed: dict[str, Any]
    ) -> None:
        with target.state_lock:
            for outcome in outcomes.values():
                target.retained.update(outcome.retained)
            deployment = target.deployment
            if deployment is None:
                return
            for name, outcome in outcomes.items():
                stack = deployment.stack(name)
                if stack is not None and outcome.status:
                    stack.status = outcome.status
            clean = not failed and not any(o.left_behind for o in outcomes.values())
            if clean:
                deployment.status = DeploymentStatus.DESTROYED

    @staticmethod
    def _observation(
        waves: list[list[str]],
        outcomes: dict[str, StackOutcome],
        failed: dict[str, dict[str, Any]],
        skipped: list[str],
        started: float,
    ) -> Observation:
        data: dict[str, Any] = {
            "waves": waves,
            "stacks": {name: o.to_dict() for name, o in outcomes.items()},
            "failed": failed,
            "skipped": skipped,
        }
        timings = {"total": time.perf_counter() - started}
        left = {n: o.left_behind for n, o in outcomes.items() if o.left_behind}
        if failed or left:
            problems = [failure_line(name, f) for name, f in failed.items()]
            problems += [
                f"{name} is {outcomes[name].status} but left behind: {', '.join(keys)}"
                for name, keys in left.items()
            ]
            if skipped:
                problems.append(f"not deleted: {', '.join(skipped)} (a dependent stack remains)")
            code = next(iter(failed.values()))["code"] if failed else "ResourcesLeftBehind"
            return Observation(
                success=False,
                error_code=code,
                message="; ".join(problems),
                data=data,
                timings=timings,
            )
        deleted = [n for n, o in outcomes.items() if o.action == "delete"]
        absent = [n for n, o in outcomes.items() if o.action == "absent"]
        shown = algorithms.waves_text(waves)
        message = f"deleted {len(deleted)} of {len(outcomes)} stacks in {shown}"
        if absent:
            message += f" ({', '.join(absent)} did not exist)"
        emptied = {b: n for o in outcomes.values() for b, n in o.emptied.items()}
        if emptied:
            count = sum(emptied.values())
            message += (
                f"; emptied {len(emptied)} bucket{'s' if len(emptied) != 1 else ''} "
                f"({count} object version{'s' if count != 1 else ''} and markers)"
            )
        retained = [k for o in outcomes.values() for k in o.retained]
        if retained:
            message += f"; kept by DeletionPolicy: {', '.join(retained)}"
        return Observation(success=True, message=message, data=data, timings=timings)
