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

import threading
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from assay.checks.aws.connection import AwsConnection
from assay.checks.aws.target import AMBIENT, Account, Clients
from assay.checks.terraform.plan import Plan, PlanError, read_plan
from assay.checks.terraform.state import State, StateError, read_state
from assay.core.errors import UsageError


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


class TerraformTarget:
    """An opened ``terraform`` target: the plan and state, parsed once, and the account."""

    def __init__(self, name: str, settings: TerraformSettings, concurrency: int = 4) -> None:
        self.name = name
        self.settings = settings
        self.account = Account(name, settings, concurrency)
        self._lock = threading.Lock()
        self._plan: Plan | None = None
        self._state: State | None = None

    def plan(self) -> Plan:
        """The parsed plan; raises ``PlanError`` naming the file if it is not one."""
        if self.settings.plan is None:
            raise PlanError(f"target '{self.name}' has no plan: give it 'plan: plan.json'")
        with self._lock:
            if self._plan is None:
                self._plan = read_plan(Path(self.settings.plan))
            return self._plan

    def state(self) -> State:
        """The parsed state; raises ``StateError`` naming the file if it is not one."""
        if self.settings.state is None:
            raise StateError(f"target '{self.name}' has no state: give it 'state: FILE'")
        with self._lock:
            if self._state is None:
                self._state = read_state(Path(self.settings.state))
            return self._state

    def client(self, service: str, credential: str = AMBIENT, region: str | None = None) -> Any:
        return self.account.client(service, credential, region)

    def clients(self, credential: str = AMBIENT, region: str | None = None) -> Clients:
        return self.account.clients(credential, region)

    def credential_names(self) -> list[str]:
        return list(self.settings.credentials)

    def describe(self) -> dict[str, Any]:
        files = {k: v for k in ("plan", "state") if (v := getattr(self.settings, k))}
        return {"type": "terraform", **files, **self.account.describe()}

    def close(self) -> None:
        self.account.close()


class TerraformTargetType:
    name = "terraform"
    settings_model = TerraformSettings

    def open(self, name: str, settings: Any, concurrency: int) -> TerraformTarget:
        if not isinstance(settings, TerraformSettings):
            raise UsageError(f"target '{name}' is not a terraform target")
        return TerraformTarget(name, settings, concurrency)

    def probe(self, target: Any) -> None:
        """``validate --strict`` reads the files (one that is not a plan or state is a
        ``PlanError``, exit 2) and, for a state on a non-embedded endpoint, reaches the account."""
        if target.settings.plan:
            target.plan()
        if target.settings.state:
            target.state()
            target.account.probe()
