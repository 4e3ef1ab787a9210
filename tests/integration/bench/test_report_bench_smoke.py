"""The reporting benchmark (bench/report_overhead.py) runs end to end on a tiny workload.

Only the structure of its figures is checked, never the timings.
"""

from __future__ import annotations

import pytest

from tests.support.bench import load_bench


def test_report_bench_runs_a_tiny_workload(capsys: pytest.CaptureFixture[str]) -> None:
    module = load_bench("report_overhead")
    figures = module.main(["--steps", "8", "--concurrency", "2", "--repeat", "1"])
    out = capsys.readouterr().out
    assert figures["steps"] == 8 and len(figures["runs"]) == 1
    (run,) = figures["runs"]
    assert set(run) == {"baseline", "reporting", "ratio"} and run["ratio"] > 0
    assert {"run", "wait", "cpu"} <= set(run["reporting"])
    assert figures["listener_us"] > 0 and set(figures["cpu_us"]) == {"baseline", "reporting"}
    assert "every result stored once" in out and out.strip().splitlines()[-1].startswith("ratio: ")
