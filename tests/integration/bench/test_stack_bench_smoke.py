"""The stack cycle benchmark (bench/stack_cycle.py) runs end to end on the session's assembly.

The assembly comes from the shared ``cdk_assembly`` fixture, so the smoke test synthesises
nothing itself. Only the structure of the figures is checked, never the timings.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from tests.support.bench import load_bench


def load() -> ModuleType:
    return load_bench("stack_cycle")


def test_stack_cycle_bench_prints_every_phase_and_the_ratio(cdk_assembly: Path) -> None:
    bench = load()
    figures = bench.measure(repeat=1, assembly=cdk_assembly)
    cycle = figures["cycle"]
    for phase in ("synth", "order", "inventory", "deploy", "verify", "destroy", "completeness"):
        assert cycle[phase] > 0, phase
    assert cycle["checks"] == 7 and cycle["total"] >= cycle["deploy"] + cycle["destroy"]
    (round_,) = figures["compare"]["rounds"]
    assert round_["boto3"] > 0 and round_["assay"] > 0
    lines = bench.report(figures)
    assert lines[2].lstrip().startswith("synth") and "read + cfn-lint" in lines[2]
    assert any(line.startswith("target:         < 30 s end to end") for line in lines)
    assert lines[-1].startswith("ratio: ")
