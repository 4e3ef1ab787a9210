"""``stacks.inventory`` and ``stacks.rollback_complete``: is the account as it was before?

``stacks.inventory`` (a ``before`` step, ahead of ``stacks.deploy``) takes an inventory of
every resource of the services the stacks use, in every region they deploy to, and keeps it
on the target for the run. ``stacks.rollback_complete`` (an ``after`` step, behind
``stacks.destroy`` or a failed update) takes it again and compares: anything created and
left behind, deleted, or changed and not restored fails the step, named by type and id with
the properties that differ. Stack statuses play no part: moto reports DELETE_COMPLETE for a
stack whose non-empty bucket it kept, and UPDATE_COMPLETE for an update whose old table it
leaked; only the resources themselves are looked at.
"""

from __future__ import annotations

import glob
import time
from typing import Any

from pydantic import Field, field_validator

from assay.checks.aws import inventory
from assay.checks.aws.errors import AWS_ERRORS, from_exception
from assay.checks.aws.inventory import InventoryDiff
from assay.checks.stacks.target import StacksKind, StacksTarget
from assay.config.models import StrictModel
from assay.core.checks import CheckCall, Observation
from assay.core.registry import suggest

ALWAYS = ("cloudformation",)  # a stack that outlives its deletion is itself left behind


class InventoryParams(StrictModel):
    stacks: list[str] = Field(
        default_factory=list, description="Only these stacks' services (names or globs)."
    )
    services: list[str] | None = Field(
        None,
        description="Services to take stock of (default: those of the stacks' resource "
        f"types, plus cloudformation); known: {', '.join(inventory.SERVICES)}.",
    )

    @field_validator("services")
    @classmethod
    def _known(cls, value: list[str] | None) -> list[str] | None:
        for service in value or []:
            if service not in inventory.SERVICES:
                raise ValueError(
                    f"no inventory of service '{service}'{suggest(service, inventory.SERVICES)}"
                    f"; known: {', '.join(inventory.SERVICES)}"
                )
        return value


class CompleteParams(StrictModel):
    ignore: list[str] = Field(
        default_factory=list,
        description="Keys to leave out, as globs: s3.bucket:cdk-*, logs.log_group:/aws/*.",
    )
    retained: bool = Field(
        True,
        description="Accept what a DeletionPolicy (Retain) kept when stacks.destroy ran; "
        "false counts it as left behind.",
    )


def _services(target: StacksTarget, names: list[str]) -> tuple[list[str], list[str]]:
    """The inventory services of the stacks' resources, and the types no inventory covers."""
    services: dict[str, None] = {}
    uncovered: set[str] = set()
    for stack in target.assembly().stacks:
        if stack.name not in names:
            continue
        for resource_type in stack.resource_types():
            service = inventory.service_of(resource_type)
            if service is None:
                uncovered.add(resource_type)
            else:
                services[service] = None
    for service in ALWAYS:
        services[service] = None
    return [s for s in inventory.SERVICES if s in services], sorted(uncovered)


class StacksInventory(StacksKind[InventoryParams]):
    name = "stacks.inventory"
    description = (
        "Take stock of the account (the services the stacks use) before deploying, for "
        "stacks.rollback_complete."
    )
    params_model = InventoryParams

    def check(self, target: StacksTarget, p: InventoryParams, call: CheckCall) -> Observation:
        started = time.perf_counter()
        names = target.assembly().select(p.stacks)
        derived, uncovered = _services(target, names)
        services = p.services or derived
        regions = sorted({target.region_of(name, call.credential) for name in names})
        taken = {}
        try:
            for region in regions:
                taken[region] = inventory.take(target.clients(call.credential, region), services)
        except AWS_ERRORS as exc:
            return from_exception(exc, "the inventory")
        with target.state_lock:
            target.snapshots = taken
            target.retained.clear()
        data: dict[str, Any] = {
            "services": services,
            "regions": {
                region: {"resources": len(inv), "not_listed": inv.errors}
                for region, inv in taken.items()
            },
            "uncovered_types": uncovered,
        }
        counts = ", ".join(f"{len(inv)} in {region}" for region, inv in taken.items())
        message = f"{counts} ({', '.join(services)})"
        if uncovered:
            message += f"; types no inventory covers: {', '.join(uncovered)}"
        return Observation(
            success=True,
            message=message,
            data=data,
            timings={"total": time.perf_counter() - started},
        )


def _findings(diff: InventoryDiff, region: str, several: bool) -> list[str]:
    where = f"{region}: " if several else ""
    lines = []
    for entry in diff.created:
        count = entry.properties.get("ObjectCount")
        extra = f" ({count} objects)" if entry.type == "s3.bucket" and count else ""
        lines.append(f"{where}left behind: {entry.key}{extra}")
    lines += [f"{where}{line}" for line in diff.lines() if not line.startswith("left behind")]
    return lines


class StacksRollbackComplete(StacksKind[CompleteParams]):
    name = "stacks.rollback_complete"
    description = (
        "After a destroy or rollback, nothing the deployment created is left and nothing it "
        "changed stays changed (inventories, not stack statuses)."
    )
    params_model = CompleteParams

    def check(self, target: StacksTarget, p: CompleteParams, call: CheckCall) -> Observation:
        started = time.perf_counter()
        with target.state_lock:
            snapshots = dict(target.snapshots)
            retained = set(target.retained) if p.retained else set()
        if not snapshots:
            raise RuntimeError(
                f"no inventory of target '{target.name}' to compare with: add stacks.inventory "
                "to a before phase, ahead of stacks.deploy"
            )
        diffs: dict[str, InventoryDiff] = {}
        try:
            for region, before in snapshots.items():
                after = inventory.take(target.clients(call.credential, region), before.services)
                kept = [glob.escape(key) for key in retained]  # keys, not patterns
                diffs[region] = inventory.diff(before, after, [*p.ignore, *kept])
        except AWS_ERRORS as exc:
            return from_exception(exc, "the inventory")
        several = len(diffs) > 1
        findings = [line for r, d in diffs.items() for line in _findings(d, r, several)]
        data: dict[str, Any] = {
            "regions": {region: d.to_dict() for region, d in diffs.items()},
            "retained": sorted(retained),
            "findings": findings,
        }
        timings = {"total": time.perf_counter() - started}
        wrong = [d for d in diffs.values() if d.created or d.deleted or d.changed]
        if not wrong and not all(d.complete for d in diffs.values()):
            raise RuntimeError("cannot tell, the inventory is incomplete: " + "; ".join(findings))
        if wrong:
            code = (
                "ResourcesLeftBehind"
                if any(d.created for d in wrong)
                else "ResourcesDeleted"
                if any(d.deleted for d in wrong)
                else "ResourcesChanged"
            )
            return Observation(
                success=False,
                error_code=code,
                message=f"{len(findings)} finding{'s' if len(findings) != 1 else ''}: "
                + "; ".join(findings),
                data=data,
                timings=timings,
            )
        total = sum(len(snapshots[r]) for r in diffs)
        message = f"the account is as it was: {total} resources compared"
        if retained:
            message += f"; kept by DeletionPolicy: {', '.join(sorted(retained))}"
        return Observation(success=True, message=message, data=data, timings=timings)
