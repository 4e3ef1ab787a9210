"""The monitors benchmark (bench/monitor_scale.py) runs end to end on a tiny workload: a
real `assay serve` with 50 monitors against a real service. Only the structure and the
consistency of its figures are checked, never the timings."""

from __future__ import annotations

import math
from types import ModuleType

import pytest

from tests.support.bench import load_bench


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_bench("monitor_scale")


def test_lag_is_the_gap_between_runs_minus_the_interval(bench: ModuleType) -> None:
    runs = [("a", 0.0), ("b", 0.5), ("a", 2.25), ("a", 4.0), ("b", 2.5)]
    assert sorted(bench.lags(runs, 2.0)) == [-0.25, 0.0, 0.25]
    assert bench.pct([5.0, 1.0, 3.0], 0.5) == 3.0 and math.isnan(bench.pct([], 0.5))


def test_monitor_bench_quick_run_measures_a_real_server(bench: ModuleType) -> None:
    (row,) = bench.main(["--quick"])
    assert row["monitors"] == 50 and row["due_per_s"] == 25.0
    assert row["checks"] > 0 and row["checks_per_s"] > 0
    assert row["cpu_ms_per_check"] > 0 and row["peak_rss_mb"] > 10
    assert row["list_p95_ms"] >= row["list_p50_ms"] > 0
    assert not math.isnan(row["lag_p50_s"])
    assert "exporter" not in row
