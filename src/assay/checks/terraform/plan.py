"""``terraform.plan``: a plan gate — what would change, and whether that is allowed.

Counts every action; fails when the plan errored, when a count exceeds ``max``, when a
``forbid``den resource would be destroyed or replaced, and when a ``protect``ed one would be
without an approval (the step's ``approvals``, or ``assay run --approve``). Each changed
resource is reported with its action, ``action_reason`` and attribute changes, sensitive
values masked (and registered as secrets, so they are masked everywhere else too).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator

from assay.checks.terraform.approvals import (
    Approval,
    Rule,
    inline_approvals,
    matches,
    read_approvals,
)
from assay.checks.terraform.plan_file import Change, Plan, sensitive_values
from assay.checks.terraform.target import TerraformKind, TerraformTarget
from assay.config.models import StrictModel
from assay.core.checks import CheckCall, Observation
from assay.core.secrets import register as register_secret

LIMITED = ("create", "update", "replace", "delete", "forget")


class Selector(StrictModel):
    addresses: list[str] = Field(default_factory=list, description="Address patterns (globs).")
    types: list[str] = Field(default_factory=list, description="Resource types.")

    def rule(self) -> Rule:
        return Rule(tuple(self.addresses), tuple(self.types))


class Limits(StrictModel):
    create: int | None = Field(None, ge=0)
    update: int | None = Field(None, ge=0)
    replace: int | None = Field(None, ge=0)
    delete: int | None = Field(None, ge=0)
    forget: int | None = Field(None, ge=0)


class PlanParams(StrictModel):
    protect: Selector | None = Field(
        None, description="Destroying or replacing these needs an approval."
    )
    forbid: Selector | None = Field(
        None, description="Destroying or replacing these fails, approved or not."
    )
    approvals: str | list[str | dict[str, Any]] | None = Field(
        None,
        description="Approved address patterns: file://approvals.yaml (relative to the suite) "
        "or a list; `assay run --approve PATTERN` adds more.",
    )
    max: Limits | None = Field(None, description="Most changes allowed per action.")

    @field_validator("approvals")
    @classmethod
    def _approvals(
        cls, value: str | list[str | dict[str, Any]] | None
    ) -> str | list[str | dict[str, Any]] | None:
        if isinstance(value, str):
            if not value.startswith("file://"):
                raise ValueError(
                    "an approvals file is written file://path (relative to the suite); "
                    "a list of patterns goes in as a list"
                )
            read_approvals(Path(value.removeprefix("file://")))  # malformed: a load error
        elif isinstance(value, list):
            inline_approvals(value)
        return value


def _approvals(p: PlanParams, call: CheckCall) -> list[Approval]:
    out: list[Approval] = []
    if isinstance(p.approvals, str):
        out += read_approvals(Path(p.approvals.removeprefix("file://")))
    elif isinstance(p.approvals, list):
        out += inline_approvals(p.approvals)
    out += [Approval(pattern, "--approve") for pattern in call.approvals]
    return out


def _register_sensitive(plan: Plan) -> None:
    """Mask sensitive values everywhere text leaves assay, not only in this report."""
    pairs = [(c.before, c.before_sensitive) for c in plan.changes]
    pairs += [(c.after, c.after_sensitive) for c in plan.changes]
    for output in plan.output_changes.values():
        if isinstance(output, dict):
            pairs += [(output.get("before"), output.get("before_sensitive", False))]
            pairs += [(output.get("after"), output.get("after_sensitive", False))]
    for value, marks in pairs:
        for text in sensitive_values(value, marks):
            register_secret(text)


def _describe(change: Change) -> str:
    how = {
        "delete_then_create": "replaced (destroy, then create)",
        "create_then_delete": "replaced (create, then destroy)",
    }.get(change.replace_order or "", "destroyed")
    reason = f", {change.action_reason}" if change.action_reason else ""
    return f"{change.address} would be {how}{reason}"


class TerraformPlan(TerraformKind[PlanParams]):
    name = "terraform.plan"
    description = "Plan gate: counts of creates/updates/replaces/deletes; protected resources."
    params_model = PlanParams

    def check(self, target: TerraformTarget, p: PlanParams, call: CheckCall) -> Observation:
        started = time.perf_counter()
        plan = target.plan()  # a file that is not a plan raises PlanError: an ERROR result
        _register_sensitive(plan)
        approvals = _approvals(p, call)
        used: set[Approval] = set()
        forbid = p.forbid.rule() if p.forbid else Rule()
        protect = p.protect.rule() if p.protect else Rule()
        problems: list[tuple[str, str]] = []
        resources, approved = [], []
        for change in plan.changes:
            if change.action == "no-op":
                continue
            entry = self._entry(change)
            if change.destroys:
                if why := forbid.covers(change.address, change.type):
                    entry["forbidden_by"] = why
                    problems.append(("ForbiddenChange", f"{_describe(change)}: forbidden ({why})"))
                elif why := protect.covers(change.address, change.type):
                    entry["protected_by"] = why
                    hit = next((a for a in approvals if matches(a.pattern, change.address)), None)
                    if hit is None:
                        problems.append(
                            (
                                "ApprovalRequired",
                                f"{_describe(change)}: protected ({why}) and not approved; "
                                f"approve with --approve '{change.address}' or an approvals "
                                "file",
                            )
                        )
                    else:
                        used.add(hit)
                        entry["approved_by"] = hit.to_dict()
                        approved.append(change.address)
            resources.append(entry)
        counts = plan.counts()
        unknown = [c.address for c in plan.changes if c.action == "unknown"]
        if unknown:
            problems.append(("UnknownAction", f"unknown action lists for {', '.join(unknown)}"))
        for action in LIMITED:
            limit = getattr(p.max, action) if p.max else None
            if limit is not None and counts[action] > limit:
                problems.insert(
                    0,
                    ("LimitExceeded", f"{counts[action]} to {action}, at most {limit} allowed"),
                )
        if plan.errored:
            problems.insert(0, ("PlanErrored", "the plan errored: Terraform could not plan it"))
        data = {
            "plan": plan.file,
            "format_version": plan.format_version,
            "terraform_version": plan.terraform_version,
            "counts": counts,
            "resources": resources,
            "approved": approved,
            "approvals": [a.to_dict() for a in approvals],
            "unused_approvals": [a.pattern for a in approvals if a not in used],
            "action_reasons": _reasons(plan),
            "outputs": _outputs(plan),
            "drift": plan.drift,
        }
        summary = (
            ", ".join(
                f"{counts[a]} to {a}"
                for a in ("create", "update", "replace", "delete")
                if counts[a]
            )
            or "no changes"
        )
        timings = {"total": time.perf_counter() - started}
        if problems:
            return Observation(
                success=False,
                error_code=problems[0][0],
                message="; ".join(text for _, text in problems) + f" (plan: {summary})",
                data={**data, "problems": [{"code": c, "message": m} for c, m in problems]},
                timings=timings,
            )
        extra = f"; approved: {', '.join(approved)}" if approved else ""
        return Observation(
            success=True, message=f"plan: {summary}{extra}", data=data, timings=timings
        )

    @staticmethod
    def _entry(change: Change) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "address": change.address,
            "type": change.type,
            "action": change.action,
            "actions": change.actions,
        }
        optional = {
            "module": change.module,
            "action_reason": change.action_reason,
            "replace_order": change.replace_order,
            "previous_address": change.previous_address,
            "importing": change.importing or None,
        }
        entry.update({k: v for k, v in optional.items() if v is not None})
        if change.action not in ("read", "forget"):
            entry["changes"] = change.attribute_changes()
        return entry


def _reasons(plan: Plan) -> dict[str, int]:
    out: dict[str, int] = {}
    for change in plan.changes:
        if change.action_reason:
            out[change.action_reason] = out.get(change.action_reason, 0) + 1
    return dict(sorted(out.items()))


def _outputs(plan: Plan) -> dict[str, dict[str, Any]]:
    """Output changes, values masked when sensitive."""
    out = {}
    for name, change in sorted(plan.output_changes.items()):
        if not isinstance(change, dict):
            continue
        actions = change.get("actions") or []
        if actions == ["no-op"]:
            continue
        hidden = change.get("after_sensitive") is True or change.get("before_sensitive") is True
        after = "(sensitive value)" if hidden else change.get("after")
        if change.get("after_unknown") is True:
            after = "(known after apply)"
        out[name] = {"actions": actions, "after": after}
    return out
