"""Dependency-graph algorithms on ``{stack: {stacks it depends on}}`` (networkx underneath).

Waves are topological generations: wave 1 depends on nothing, wave n only on earlier waves,
so the stacks of one wave can be deployed in parallel. Everything is sorted by name, so the
same graph always gives the same waves, order and cycle paths.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import networkx as nx

Requires = Mapping[str, set[str]]


def path_text(path: list[str]) -> str:
    """``A → B → A``: a path (a cycle) through the graph."""
    return " → ".join(path)


def waves_text(waves: list[list[str]]) -> str:
    """``[A, B] → [C]``: waves in the order they run."""
    return " → ".join(f"[{', '.join(wave)}]" for wave in waves)


class CycleError(ValueError):
    """The graph has cycles; ``cycles`` holds them as closed paths."""

    def __init__(self, cycles: list[list[str]]) -> None:
        self.cycles = cycles
        super().__init__("dependency cycle: " + "; ".join(path_text(c) for c in cycles))


def _digraph(requires: Requires) -> Any:
    """Edges point from a dependency to its dependents (the direction of deployment)."""
    graph = nx.DiGraph()
    graph.add_nodes_from(sorted(requires))
    for stack in sorted(requires):
        for dep in sorted(requires[stack]):
            graph.add_edge(dep, stack)
    return graph


def _rotate(cycle: list[str]) -> list[str]:
    """Start a cycle at its smallest name and close it: ``[a, b, c, a]``."""
    start = cycle.index(min(cycle))
    ring = cycle[start:] + cycle[:start]
    return [*ring, ring[0]]


def cycles(requires: Requires, limit: int = 20) -> list[list[str]]:
    """Up to ``limit`` elementary cycles, each as ``stack → what it depends on → ... → stack``."""
    graph = _digraph(requires).reverse(copy=False)  # follow "depends on" edges
    found = itertools.islice(nx.simple_cycles(graph), limit)
    return sorted((_rotate(list(c)) for c in found), key=lambda c: (len(c), c))


def waves(requires: Requires) -> list[list[str]]:
    """Deployment waves; raises ``CycleError`` (with the cycles' paths) if there is none."""
    found = cycles(requires)
    if found:
        raise CycleError(found)
    return [sorted(wave) for wave in nx.topological_generations(_digraph(requires))]


def reaches(requires: Requires, stack: str, on: str) -> bool:
    """Whether ``stack`` depends on ``on`` directly or through other stacks."""
    graph = _digraph(requires)
    return stack in graph and on in graph and stack != on and nx.has_path(graph, on, stack)


def order_problems(requires: Requires, expected: Sequence[str]) -> list[str]:
    """Why ``expected`` is not a valid deployment order of these stacks (empty if it is)."""
    problems: list[str] = []
    known = set(requires)
    listed = list(expected)
    dupes = sorted({n for n in listed if listed.count(n) > 1})
    if dupes:
        problems.append(f"listed more than once: {', '.join(dupes)}")
    if unknown := [n for n in listed if n not in known]:
        problems.append(f"not stacks of this app: {', '.join(unknown)}")
    if missing := sorted(known - set(listed)):
        problems.append(f"missing from the expected order: {', '.join(missing)}")
    position = {name: i for i, name in enumerate(listed)}
    for name in listed:
        for dep in sorted(requires.get(name, ())):
            if dep in position and position[dep] > position[name]:
                problems.append(
                    f"{name} (#{position[name] + 1}) comes before {dep} "
                    f"(#{position[dep] + 1}), which it depends on"
                )
    return problems


def waves_diff(expected: Sequence[Sequence[str]], actual: Sequence[Sequence[str]]) -> list[str]:
    """Line by line, how expected waves differ from the computed ones (empty if equal)."""
    out = []
    for i in range(max(len(expected), len(actual))):
        want = sorted(expected[i]) if i < len(expected) else []
        got = sorted(actual[i]) if i < len(actual) else []
        if want != got:
            out.append(f"wave {i + 1}: expected [{', '.join(want)}], computed [{', '.join(got)}]")
    return out
