"""The ``terraform`` target type: a plan to gate, a state to verify, and the account it is in.

``plan`` is a file written by ``terraform show -json`` (``terraform.plan``); ``state`` is a
state file (``terraform.tfstate``, or ``terraform state pull > state.json``) whose resources
``terraform.state`` looks up in the account. Paths resolve against the suite file that
defines the target; each file is read at the first step that needs it and kept for the run.
The account comes from the aws family's connection settings (``endpoint``, default
``embedded``; ``region``; ``credentials``), opened on first use: a target that only gates a
plan never reaches AWS. Verifying a real account means ``endpoint: aws``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator

from assay.checks.aws.connection import AwsConnection
from assay.checks.aws.target import AccountTarget
from assay.checks.model_kind import TargetKind
from assay.checks.target_type import FamilyTargetType
from assay.checks.terraform.plan_file import Plan, PlanError, read_plan
from assay.checks.terraform.state_file import State, StateError, read_state

P = TypeVar("P", bound=BaseModel)


def _file(value: str | None, info: ValidationInfo, what: str) -> str | None:
    if value is None:
        return None
    base = Path((info.context or {}).get("base_dir") or Path.cwd())
    path = Path(value.removeprefix("file://"))
    path = path if path.is_absolute() else (base / path).resolve()
    if not path.is_file():
        raise ValueError(f"{what} file not found: {value} (resolved to {path})")
    return str(path)


class TerraformSettings(AwsConnection):
    """Terraform's view of a change (a JSON plan) or of what it applied (a state file)."""

    type: Literal["terraform"] = "terraform"
    plan: str | None = Field(None, description="The JSON plan file (relative to the suite).")
    state: str | None = Field(
        None, description="A state file (terraform.tfstate, format 4), relative to the suite."
    )

    @field_validator("plan")
    @classmethod
    def _plan_file(cls, value: str | None, info: ValidationInfo) -> str | None:
        return _file(value, info, "plan")

    @field_validator("state")
    @classmethod
    def _state_file(cls, value: str | None, info: ValidationInfo) -> str | None:
        return _file(value, info, "state")

    @model_validator(mode="after")
    def _something(self) -> TerraformSettings:
        if self.plan is None and self.state is None:
            raise ValueError(
                "a terraform target needs a 'plan' (terraform show -json output) or a "
                "'state' (a state file), or both"
            )
        return self


class TerraformTarget(AccountTarget):
    """An opened ``terraform`` target: the plan and state, parsed once, and the account."""

    def __init__(self, name: str, settings: TerraformSettings, concurrency: int = 4) -> None:
        super().__init__(name, settings, concurrency)
        self.settings = settings
        self._files: dict[str, Any] = {}

    def plan(self) -> Plan:
        """The parsed plan; raises ``PlanError`` naming the file if it is not one."""
        plan: Plan = self._read("plan", "plan.json", read_plan, PlanError)
        return plan

    def state(self) -> State:
        """The parsed state; raises ``StateError`` naming the file if it is not one."""
        state: State = self._read("state", "FILE", read_state, StateError)
        return state

    def _read(
        self, key: str, example: str, read: Callable[[Path], Any], error: type[PlanError]
    ) -> Any:
        """The file the ``key`` setting names, read the first time it is asked for."""
        path = getattr(self.settings, key)
        if path is None:
            raise error(f"target '{self.name}' has no {key}: give it '{key}: {example}'")
        with self._lock:
            if key not in self._files:
                self._files[key] = read(Path(path))
            return self._files[key]

    def describe(self) -> dict[str, Any]:
        files = {k: v for k in ("plan", "state") if (v := getattr(self.settings, k))}
        return {"type": "terraform", **files, **self.account.describe()}


class TerraformTargetType(FamilyTargetType[TerraformSettings, TerraformTarget]):
    name = "terraform"
    noun = "a terraform target"
    settings_model = TerraformSettings
    target_class = TerraformTarget

    def probe(self, target: Any) -> None:
        """``validate --strict`` reads the files (one that is not a plan or state is a
        ``PlanError``, exit 2) and, for a state on a non-embedded endpoint, reaches the account."""
        if target.settings.plan:
            target.plan()
        if target.settings.state:
            target.state()
            target.account.probe()


class TerraformKind(TargetKind[P, TerraformTarget]):
    """A check kind of the terraform family: its steps run on a ``terraform`` target."""

    family = "terraform"
    target_type = TerraformTargetType
