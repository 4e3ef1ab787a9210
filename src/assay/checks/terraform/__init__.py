"""The terraform family: gates on Terraform plans (``terraform show -json`` output)."""

from __future__ import annotations

from assay.checks.terraform.approvals import Approval, Rule, matches, read_approvals
from assay.checks.terraform.gate import TerraformPlan
from assay.checks.terraform.plan import Change, Plan, PlanError, parse_plan, read_plan
from assay.checks.terraform.target import TerraformSettings, TerraformTarget, TerraformTargetType
from assay.core.checks import CHECKS, TARGETS

TARGETS.register("terraform", TerraformTargetType())
CHECKS.register("terraform.plan", TerraformPlan())

__all__ = [
    "Approval",
    "Change",
    "Plan",
    "PlanError",
    "Rule",
    "TerraformPlan",
    "TerraformSettings",
    "TerraformTarget",
    "TerraformTargetType",
    "matches",
    "parse_plan",
    "read_approvals",
    "read_plan",
]
