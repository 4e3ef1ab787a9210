"""``stacks.rollback_complete``: is the account as it was before?

An ``after`` step, behind ``stacks.destroy`` or a failed update: it takes the inventory of
``stacks.inventory`` again and compares. Anything created and left behind, deleted, or changed
and not restored fails the step, named by type and id with the properties that differ. Stack
statuses play no part: moto reports DELETE_COMPLETE for a stack whose non-empty bucket it
kept, and UPDATE_COMPLETE for an update whose old table it leaked; only the resources
themselves are looked at.
"""

from __future__ import annotations

import glob
import time
from typing import Any

from pydantic import Field

from assay.checks.aws import inventory
from assay.checks.aws.errors import AWS_ERRORS, from_exception
from assay.checks.aws.inventory import InventoryDiff
from assay.checks.stacks.target import StacksKind, StacksTarget
from assay.config.models import StrictModel
from assay.core.checks import CheckCall, Observation


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
