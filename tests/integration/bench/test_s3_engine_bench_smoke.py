"""The S3 engine benchmark (bench/s3_engine.py) runs end to end on a tiny workload.

Only the structure of its figures is checked, never the timings.
"""

from __future__ import annotations

import re
from types import ModuleType

import pytest

from tests.support.bench import load_bench

PHASES = ["PutObject", "GetObject", "DeleteObject"]


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_bench("s3_engine")


def test_plan_puts_then_gets_then_deletes_each_key_in_its_lane(bench: ModuleType) -> None:
    for total, lanes in ((900, 8), (50, 1), (49, 1), (50, 3), (6, 2), (4, 8), (1, 1)):
        plan = bench.make_plan(total, lanes, "p")
        assert bench.plan_size(plan) == total
        assert 1 <= len(plan) <= lanes
        for lane in plan:
            phases = [PHASES.index(op) for op, _ in lane]
            assert phases == sorted(phases), "a lane puts all, then gets all, then deletes"
            position = {step: i for i, step in enumerate(lane)}
            for (op, key), i in position.items():
                if op != "PutObject":
                    assert position[(PHASES[PHASES.index(op) - 1], key)] < i
        keys = [k for lane in plan for op, k in lane if op == "PutObject"]
        assert len(keys) == len(set(keys))


def test_bench_main_runs_a_tiny_workload(
    bench: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    figures = bench.main(["--ops", "6", "--concurrency", "2", "--repeat", "1", "--size", "16"])
    out = capsys.readouterr().out

    assert figures["ops"] == 18
    assert figures["objects"] == 6
    assert figures["concurrency"] == 2
    assert len(figures["runs"]) == 1
    for run in figures["runs"]:
        assert set(run) == {"boto3", "assay", "ratio"}
        assert run["ratio"] > 0
        assert {"total", "setup", "ops", "cpu"} <= set(run["boto3"])
        assert {"total", "load", "ops", "cpu"} <= set(run["assay"])
    for side in ("boto3", "assay"):
        assert figures[side]["seconds"] > 0
        assert figures[side]["ops_per_s"] > 0
    assert figures["assay"]["load"] > 0
    assert figures["ratio"] > 0
    assert figures["promises"]["fifty_ops"]["ops"] == 50
    assert figures["promises"]["fifty_ops"]["seconds"] > 0

    for label in ("boto3 baseline:", "assay run:", "assay loader:", "s3tester promise"):
        assert label in out
    assert re.search(r"^ratio: \d+\.\d\d$", out, re.MULTILINE), out
