"""The inventory benchmark (bench/aws_inventory.py) runs end to end on a tiny account.

Only the structure of its figures is checked, never the timings.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parents[2] / "bench" / "aws_inventory.py"


def load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("assay_bench_aws_inventory", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


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
