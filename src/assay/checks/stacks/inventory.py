"""``stacks.inventory``: take stock of the account before deploying.

A ``before`` step, ahead of ``stacks.deploy``: it takes an inventory of every resource of
the services the stacks use, in every region they deploy to, and keeps it on the target for
the run, for ``stacks.rollback_complete`` to compare with.
"""

from __future__ import annotations

import time
from typing import Any

from pydantic import Field, field_validator

from assay.checks.aws import inventory
from assay.checks.aws.errors import AWS_ERRORS, from_exception
from assay.checks.stacks.target import StacksKind, StacksTarget
from assay.config.models import StrictModel
from assay.core.checks import CheckCall, Observation

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
        if value is not None:
            inventory.known_services(value)
        return value


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
