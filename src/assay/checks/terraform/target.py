"""The ``terraform`` target type: a plan file written by ``terraform show -json``.

The path resolves against the suite file that defines the target. The plan is read and
parsed at the first step that needs it and kept for the run. A state file (``state:``) for
post-apply verification will join ``plan`` here.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator

from assay.checks.terraform.plan import Plan, PlanError, read_plan
from assay.config.models import TargetBase
from assay.core.errors import UsageError


class TerraformSettings(TargetBase):
    """Terraform's view of a change: a JSON plan (``terraform show -json tfplan > plan.json``)."""

    type: Literal["terraform"] = "terraform"
    plan: str = Field(description="The JSON plan file (relative to the suite).")

    @field_validator("plan")
    @classmethod
    def _plan_file(cls, value: str, info: ValidationInfo) -> str:
        base = Path((info.context or {}).get("base_dir") or Path.cwd())
        path = Path(value.removeprefix("file://"))
        path = path if path.is_absolute() else (base / path).resolve()
        if not path.is_file():
            raise ValueError(f"plan file not found: {value} (resolved to {path})")
        return str(path)


class TerraformTarget:
    """An opened ``terraform`` target: the plan, parsed once."""

    def __init__(self, name: str, settings: TerraformSettings) -> None:
        self.name = name
        self.settings = settings
        self._lock = threading.Lock()
        self._plan: Plan | None = None

    def plan(self) -> Plan:
        """The parsed plan; raises ``PlanError`` naming the file if it is not one."""
        with self._lock:
            if self._plan is None:
                self._plan = read_plan(Path(self.settings.plan))
            return self._plan

    def credential_names(self) -> list[str]:
        return list(self.settings.credentials)

    def describe(self) -> dict[str, Any]:
        return {"type": "terraform", "plan": self.settings.plan}

    def close(self) -> None:
        return None


class TerraformTargetType:
    name = "terraform"
    settings_model = TerraformSettings

    def open(self, name: str, settings: Any, concurrency: int) -> TerraformTarget:
        if not isinstance(settings, TerraformSettings):
            raise UsageError(f"target '{name}' is not a terraform target")
        return TerraformTarget(name, settings)

    def probe(self, target: Any) -> None:
        """``validate --strict`` reads the plan: a file that is not a plan is a usage error."""
        try:
            target.plan()
        except PlanError as exc:
            raise UsageError(str(exc)) from None
