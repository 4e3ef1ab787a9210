"""The stack dependency graph of an assembly: manifest dependencies plus export/import edges.

Besides the graph, the analysis lists what a deployment would trip over: an import whose
export no stack of the app provides (external, or a typo), an import that cannot be resolved
statically, an export name used twice, and an import the manifest does not order (the
importing stack could be deployed before the exporting one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assay.checks.stacks import graph as algorithms
from assay.checks.stacks.assembly import Assembly
from assay.checks.stacks.models import Dependency, StackGraph


@dataclass
class Analysis:
    """The graph and everything noteworthy found while building it."""

    graph: StackGraph
    missing_dependencies: list[dict[str, Any]] = field(default_factory=list)
    external_imports: list[dict[str, Any]] = field(default_factory=list)
    unresolved_imports: list[dict[str, Any]] = field(default_factory=list)
    duplicate_exports: list[dict[str, Any]] = field(default_factory=list)


def _exporters(assembly: Assembly, analysis: Analysis) -> dict[str, str]:
    owners: dict[str, list[str]] = {}
    for stack in assembly.stacks:
        for export in stack.exports:
            owners.setdefault(export, []).append(stack.name)
    for export, stacks in sorted(owners.items()):
        if len(stacks) > 1:
            analysis.duplicate_exports.append({"export": export, "stacks": sorted(stacks)})
    return {export: stacks[0] for export, stacks in owners.items()}


def analyse(assembly: Assembly) -> Analysis:
    """Build the dependency graph of ``assembly`` and check imports against the manifest."""
    names = assembly.names()
    deps: list[Dependency] = []
    for stack in assembly.stacks:
        deps += [Dependency(stack=stack.name, on=d, via="manifest") for d in stack.depends_on]
    manifest_requires = {s.name: set(s.depends_on) for s in assembly.stacks}
    analysis = Analysis(graph=StackGraph(stacks=names))
    exporters = _exporters(assembly, analysis)
    for stack in assembly.stacks:
        for imp in stack.imports:
            if imp.name is None:
                analysis.unresolved_imports.append(
                    {"stack": stack.name, "expression": imp.expression, "path": imp.path}
                )
                continue
            owner = exporters.get(imp.name)
            if owner is None:
                analysis.external_imports.append(
                    {"stack": stack.name, "export": imp.name, "path": imp.path}
                )
                continue
            if owner == stack.name:
                continue  # CloudFormation rejects this at deploy time; cfn-lint reports it
            dep = Dependency(stack=stack.name, on=owner, via="import", export=imp.name)
            if dep not in deps:
                deps.append(dep)
            missing = assembly.has_manifest and not algorithms.reaches(
                manifest_requires, stack.name, owner
            )
            known = {(m["stack"], m["export"]) for m in analysis.missing_dependencies}
            if missing and (stack.name, imp.name) not in known:
                analysis.missing_dependencies.append(
                    {"stack": stack.name, "needs": owner, "export": imp.name, "path": imp.path}
                )
    analysis.graph = StackGraph(stacks=names, dependencies=deps)
    return analysis
