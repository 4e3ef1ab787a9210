"""Deployments, stacks and resources: the shared vocabulary of every stacks check.

Pure data (pydantic), no I/O. A ``Stack`` is read from a template (its resources, outputs,
exports and imports); deploying fills in physical ids and statuses; a ``Deployment`` is the
set of stacks rolled out together, with their ``StackGraph`` (who must go first, and why).
The graph algorithms live in ``graph.py``; the methods here only delegate to them.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assay.checks.stacks import graph as algorithms

#: CloudFormation statuses that end an operation well (stack or resource)
COMPLETE_STATUSES = frozenset(
    {"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE", "DELETE_COMPLETE"}
)


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Resource(Model):
    """One resource of a stack: what the template declares, then what deploying made of it."""

    logical_id: str
    type: str
    physical_id: str | None = Field(None, description="Set once deployed (a name, ARN or URL).")
    properties: dict[str, Any] = Field(default_factory=dict)
    status: str | None = Field(None, description="CloudFormation status, e.g. CREATE_COMPLETE.")
    status_reason: str | None = None
    depends_on: list[str] = Field(default_factory=list, description="Logical ids (DependsOn).")
    cdk_path: str | None = Field(None, description="The construct path, for CDK templates.")

    @property
    def service(self) -> str:
        """``AWS::S3::Bucket`` -> ``s3`` (what an inventory of the account would list)."""
        parts = self.type.split("::")
        return parts[1].lower() if len(parts) == 3 else self.type.lower()


class Output(Model):
    """An output of a stack; ``export_name`` is resolved when the template allows it."""

    key: str
    value: Any = Field(None, description="Template expression, or the value once deployed.")
    description: str | None = None
    export_name: str | None = None
    export_expression: Any = Field(None, description="The Export.Name as the template has it.")


class Import(Model):
    """An ``Fn::ImportValue`` in a stack's template."""

    name: str | None = Field(description="The export name, or None if it cannot be resolved.")
    expression: Any = Field(description="The argument of Fn::ImportValue as written.")
    path: str = Field(description="Where in the template, e.g. Resources/Fn/Properties/Role.")


class Stack(Model):
    """A CloudFormation stack: its template's contents and, once deployed, its state."""

    name: str = Field(description="The CloudFormation stack name.")
    artifact_id: str = Field(description="The cloud assembly's artifact id (or the name).")
    template_file: str | None = None
    environment: str | None = Field(None, description="aws://account/region, from the assembly.")
    depends_on: list[str] = Field(
        default_factory=list, description="Stacks the assembly's manifest says come first."
    )
    resources: dict[str, Resource] = Field(default_factory=dict)
    outputs: dict[str, Output] = Field(default_factory=dict)
    parameters: dict[str, Any] = Field(default_factory=dict)
    imports: list[Import] = Field(default_factory=list)
    termination_protection: bool = False
    stack_id: str | None = Field(None, description="The stack ARN once deployed.")
    status: str | None = None
    status_reason: str | None = None

    @property
    def exports(self) -> dict[str, str]:
        """Resolved export name -> output key."""
        return {o.export_name: o.key for o in self.outputs.values() if o.export_name}

    @property
    def region(self) -> str | None:
        """The region of ``environment`` unless the stack is environment-agnostic."""
        if not self.environment or not self.environment.startswith("aws://"):
            return None
        region = self.environment.removeprefix("aws://").partition("/")[2]
        return None if region in ("", "unknown-region") else region

    def resource_types(self) -> list[str]:
        return sorted({r.type for r in self.resources.values()})


class Dependency(Model):
    """``stack`` must be deployed after ``on``; ``via`` says who says so."""

    stack: str
    on: str
    via: Literal["manifest", "import"]
    export: str | None = Field(None, description="The imported export, for 'import'.")


class StackGraph(Model):
    """Stacks and the dependencies between them (manifest and imports), deduplicated."""

    stacks: list[str]
    dependencies: list[Dependency] = Field(default_factory=list)

    def requires(self) -> dict[str, set[str]]:
        """Stack -> the stacks it depends on (directly)."""
        out: dict[str, set[str]] = {name: set() for name in self.stacks}
        for dep in self.dependencies:
            out.setdefault(dep.stack, set()).add(dep.on)
        return out

    def cycles(self, limit: int = 20) -> list[list[str]]:
        """Dependency cycles as paths, each closed: ``[a, b, c, a]``."""
        return algorithms.cycles(self.requires(), limit)

    def waves(self) -> list[list[str]]:
        """Stacks in deployment waves (each wave in parallel); raises ``CycleError``."""
        return algorithms.waves(self.requires())

    def order(self) -> list[str]:
        """One valid deployment order (the waves, flattened)."""
        return [name for wave in self.waves() for name in wave]

    def teardown_waves(self) -> list[list[str]]:
        """The reverse: stacks that nothing left depends on go first."""
        return list(reversed(self.waves()))

    def subgraph(self, names: list[str]) -> StackGraph:
        """Only ``names`` and the dependencies among them (the others count as deployed)."""
        keep = set(names)
        return StackGraph(
            stacks=[n for n in self.stacks if n in keep],
            dependencies=[d for d in self.dependencies if d.stack in keep and d.on in keep],
        )

    def reasons(self, stack: str, on: str) -> list[Dependency]:
        return [d for d in self.dependencies if d.stack == stack and d.on == on]


class DeploymentStatus(enum.StrEnum):
    PLANNED = "planned"
    DEPLOYING = "deploying"
    DEPLOYED = "deployed"
    FAILED = "failed"
    ROLLED_BACK = "rolled_back"
    DESTROYED = "destroyed"


class Deployment(Model):
    """A set of stacks rolled out together: where from, in which order, and how it went."""

    id: str
    source: str = Field(description="What the stacks came from (a CDK app, an assembly...).")
    version: str | None = None
    environment: str | None = Field(None, description="Where it goes (a name, or aws://...).")
    stacks: list[Stack] = Field(default_factory=list)
    graph: StackGraph
    status: DeploymentStatus = DeploymentStatus.PLANNED
    started_at: datetime | None = None
    finished_at: datetime | None = None

    def stack(self, name: str) -> Stack | None:
        return next((s for s in self.stacks if s.name == name), None)

    def resources(self) -> list[tuple[Stack, Resource]]:
        """Every resource of every stack, in deployment order when there is one."""
        try:
            names = self.graph.order()
        except algorithms.CycleError:
            names = [s.name for s in self.stacks]
        by_name = {s.name: s for s in self.stacks}
        return [
            (by_name[n], r) for n in names if n in by_name for r in by_name[n].resources.values()
        ]
