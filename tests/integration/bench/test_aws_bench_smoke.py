"""The inventory benchmark (bench/aws_inventory.py) runs end to end on a tiny account.

Only the structure of its figures is checked, never the timings.
"""

from __future__ import annotations

from types import ModuleType

from tests.support.bench import load_bench


def load() -> ModuleType:
    return load_bench("aws_inventory")


def test_aws_inventory_bench_prints_its_figures() -> None:
    bench = load()
    figures = bench.measure(per_type=1, repeat=1)
    assert figures["resources"] >= 6  # one of each arranged type, and whatever moto had
    for name in ("listing", "inventory_1", "inventory_8", "diff"):
        assert figures[name] > 0
    lines = bench.report(figures)
    assert lines[0].startswith("resources in the account: ")
    assert lines[1].startswith("listing only (baseline):")
    assert "x listing" in lines[2] and "per resource" in lines[3]
    assert lines[4].startswith("diff of two inventories:")
