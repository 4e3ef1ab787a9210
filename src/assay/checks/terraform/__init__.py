"""The terraform family: gates on Terraform plans (``terraform show -json`` output), and
verification of what a state file says was applied (``terraform.state``)."""

from __future__ import annotations

from assay.checks.terraform.approvals import Approval, Rule, matches, read_approvals
from assay.checks.terraform.plan import TerraformPlan
from assay.checks.terraform.plan_file import Change, Plan, PlanError, parse_plan, read_plan
from assay.checks.terraform.state import TerraformState
from assay.checks.terraform.state_file import Instance, State, StateError, parse_state, read_state
from assay.checks.terraform.target import TerraformSettings, TerraformTarget, TerraformTargetType
from assay.core.checks import CHECKS, TARGETS

TARGETS.register("terraform", TerraformTargetType())
CHECKS.register("terraform.plan", TerraformPlan())
CHECKS.register("terraform.state", TerraformState())

__all__ = [
    "Approval",
    "Change",
    "Instance",
    "Plan",
    "PlanError",
    "Rule",
    "State",
    "StateError",
    "TerraformPlan",
    "TerraformSettings",
    "TerraformState",
    "TerraformTarget",
    "TerraformTargetType",
    "matches",
    "parse_plan",
    "parse_state",
    "read_approvals",
    "read_plan",
    "read_state",
]
