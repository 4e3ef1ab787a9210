"""The stacks family: CloudFormation stacks from a CDK app, a cloud assembly or templates.

``stacks.synth`` synthesises and lints; ``stacks.order`` builds the dependency graph;
``stacks.inventory``, ``stacks.deploy``, ``stacks.destroy`` and ``stacks.rollback_complete``
take stock of the account, deploy in waves, tear down and check that nothing was left. The
models (``Deployment``, ``Stack``, ``Resource``, ``StackGraph``) are shared by these checks
and the server.
"""

from __future__ import annotations

from assay.checks.stacks.assembly import Assembly, read_assembly, read_templates
from assay.checks.stacks.dependencies import Analysis, analyse
from assay.checks.stacks.deploy import StacksDeploy
from assay.checks.stacks.destroy import StacksDestroy
from assay.checks.stacks.graph import CycleError
from assay.checks.stacks.inventory import StacksInventory
from assay.checks.stacks.models import (
    Dependency,
    Deployment,
    DeploymentStatus,
    Import,
    Output,
    Resource,
    Stack,
    StackGraph,
)
from assay.checks.stacks.order import StacksOrder
from assay.checks.stacks.rollback_complete import StacksRollbackComplete
from assay.checks.stacks.synth import StacksSynth
from assay.checks.stacks.target import StacksSettings, StacksTarget, StacksTargetType
from assay.checks.stacks.templates import SourceError
from assay.core.checks import CHECKS, TARGETS

TARGETS.register("stacks", StacksTargetType())
for kind in (
    StacksSynth(),
    StacksOrder(),
    StacksInventory(),
    StacksDeploy(),
    StacksDestroy(),
    StacksRollbackComplete(),
):
    CHECKS.register(kind.name, kind)

__all__ = [
    "Analysis",
    "Assembly",
    "CycleError",
    "Dependency",
    "Deployment",
    "DeploymentStatus",
    "Import",
    "Output",
    "Resource",
    "SourceError",
    "Stack",
    "StackGraph",
    "StacksDeploy",
    "StacksDestroy",
    "StacksInventory",
    "StacksOrder",
    "StacksRollbackComplete",
    "StacksSettings",
    "StacksSynth",
    "StacksTarget",
    "StacksTargetType",
    "analyse",
    "read_assembly",
    "read_templates",
]
