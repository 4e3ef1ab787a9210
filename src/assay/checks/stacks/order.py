"""``stacks.order``: the dependency graph, its cycles, deployment waves and an expected order.

The observation's ``waves`` and ``order`` are what later steps use (``outputs: {waves:
waves}``). It fails on a cycle (with its path), an export two stacks claim, an import the
manifest does not order (``missing_dependencies: warn`` to only report it), an import of an
export no stack provides (with ``external_imports: fail``), and an expected ``order`` or
``waves`` that the graph contradicts.
"""

from __future__ import annotations

import time
from itertools import pairwise
from typing import Any, Literal

from pydantic import Field, field_validator

from assay.checks.stacks import graph as algorithms
from assay.checks.stacks.dependencies import Analysis
from assay.checks.stacks.models import StackGraph
from assay.checks.stacks.target import StacksKind, StacksTarget
from assay.config.models import StrictModel
from assay.core.checks import CheckCall, Observation


class OrderParams(StrictModel):
    order: list[str] | None = Field(
        None, description="Expected deployment order: every stack, each after its dependencies."
    )
    waves: list[list[str]] | None = Field(
        None,
        description="Expected waves, e.g. [[Data, Messaging], [Api]] (order within a wave "
        "does not matter).",
    )
    missing_dependencies: Literal["fail", "warn"] = Field(
        "fail", description="An import whose exporting stack the manifest does not order first."
    )
    external_imports: Literal["fail", "warn"] = Field(
        "warn", description="An import of an export that no stack of this source provides."
    )

    @field_validator("waves")
    @classmethod
    def _non_empty(cls, value: list[list[str]] | None) -> list[list[str]] | None:
        if value is not None and any(not wave for wave in value):
            raise ValueError("every wave needs at least one stack")
        return value


def _cycle_edges(graph: StackGraph, cycle: list[str]) -> list[dict[str, Any]]:
    edges = []
    for stack, on in pairwise(cycle):
        for dep in graph.reasons(stack, on):
            edges.append(dep.model_dump(exclude_none=True))
    return edges


def _why(graph: StackGraph, stack: str, on: str) -> str:
    reasons = graph.reasons(stack, on)
    exports = [d.export for d in reasons if d.export]
    if exports:
        return f"imports {', '.join(sorted(set(exports)))}"
    return "manifest dependency" if reasons else "indirectly"


def _check_expected(
    p: OrderParams, graph: StackGraph, waves: list[list[str]], problems: list[tuple[str, str]]
) -> None:
    requires = graph.requires()
    if p.order is not None:
        wrong = algorithms.order_problems(requires, p.order)
        if wrong:
            valid = [n for wave in waves for n in wave]
            problems.append(
                (
                    "OrderMismatch",
                    f"expected order [{', '.join(p.order)}] is not a valid deployment order: "
                    + "; ".join(wrong)
                    + f" (a valid order: [{', '.join(valid)}])",
                )
            )
    if p.waves is not None:
        diff = algorithms.waves_diff(p.waves, waves)
        if diff:
            problems.append(("WavesMismatch", "waves differ: " + "; ".join(diff)))


def _findings(analysis: Analysis, p: OrderParams) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    for dup in analysis.duplicate_exports:
        problems.append(
            (
                "DuplicateExport",
                f"export {dup['export']} is declared by {' and '.join(dup['stacks'])}",
            )
        )
    if p.missing_dependencies == "fail":
        for miss in analysis.missing_dependencies:
            problems.append(
                (
                    "MissingDependency",
                    f"{miss['stack']} imports {miss['export']} from {miss['needs']}, but the "
                    f"manifest does not deploy {miss['needs']} first (add a dependency)",
                )
            )
    if p.external_imports == "fail":
        for ext in analysis.external_imports:
            problems.append(
                (
                    "ExternalImport",
                    f"{ext['stack']} imports {ext['export']}, which no stack here exports",
                )
            )
    return problems


class StacksOrder(StacksKind[OrderParams]):
    name = "stacks.order"
    description = (
        "Stack dependency graph: cycles with their path, deployment waves, expected order."
    )
    params_model = OrderParams

    def check(self, target: StacksTarget, p: OrderParams, call: CheckCall) -> Observation:
        started = time.perf_counter()
        # a source that cannot be read raises SourceError: the step could not run (ERROR)
        analysis = target.analysis()
        graph = analysis.graph
        cycles = graph.cycles()
        waves = [] if cycles else graph.waves()
        data: dict[str, Any] = {
            "stacks": graph.stacks,
            "dependencies": [d.model_dump(exclude_none=True) for d in graph.dependencies],
            "waves": waves,
            "order": [name for wave in waves for name in wave],
            "cycles": [
                {"path": c, "text": algorithms.path_text(c), "edges": _cycle_edges(graph, c)}
                for c in cycles
            ],
            "missing_dependencies": analysis.missing_dependencies,
            "external_imports": analysis.external_imports,
            "unresolved_imports": analysis.unresolved_imports,
            "duplicate_exports": analysis.duplicate_exports,
        }
        problems: list[tuple[str, str]] = []
        for cycle in cycles:
            steps = "; ".join(f"{a} {_why(graph, a, b)} from {b}" for a, b in pairwise(cycle))
            problems.append(
                ("DependencyCycle", f"dependency cycle {algorithms.path_text(cycle)} ({steps})")
            )
        problems += _findings(analysis, p)
        if not cycles:
            _check_expected(p, graph, waves, problems)
        timings = {"total": time.perf_counter() - started}
        if problems:
            return Observation(
                success=False,
                error_code=problems[0][0],
                message="; ".join(text for _, text in problems),
                data={**data, "problems": [{"code": c, "message": m} for c, m in problems]},
                timings=timings,
            )
        message = (
            f"{len(graph.stacks)} stacks in {len(waves)} waves: {algorithms.waves_text(waves)}"
        )
        return Observation(success=True, message=message, data=data, timings=timings)
