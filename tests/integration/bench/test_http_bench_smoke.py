"""The HTTP checks benchmark (bench/http_checks.py) runs end to end on a tiny workload.

Only the structure of its figures is checked, never the timings.
"""

from __future__ import annotations

import re
from types import ModuleType

import pytest

from tests.support.bench import load_bench


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_bench("http_checks")


def test_plan_deals_every_endpoint_to_one_lane(bench: ModuleType) -> None:
    for endpoints, lanes in ((600, 4), (6, 2), (5, 8), (1, 1), (7, 3)):
        plan = bench.make_plan(endpoints, lanes)
        assert bench.plan_size(plan) == endpoints
        assert 1 <= len(plan) <= lanes and all(plan)
        assert sorted(i for lane in plan for i in lane) == list(range(endpoints))


def test_suite_has_one_http_target_and_a_step_per_endpoint(bench: ModuleType) -> None:
    plan = bench.make_plan(6, 2)
    doc = bench.suite_document("http://127.0.0.1:1", plan)
    assert doc["targets"]["svc"]["type"] == "http"
    assert len(doc["groups"]) == 2
    steps = [step for group in doc["groups"] for step in group["test"]]
    assert len(steps) == 6
    for step in steps:
        assert step["expect"]["conditions"] == ["[STATUS] == 200", "[BODY].status == ok"]


def test_bench_main_runs_a_tiny_workload(
    bench: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    figures = bench.main(
        ["--endpoints", "6", "--concurrency", "2", "--repeat", "1", "--condition-seconds", "0.05"]
    )
    out = capsys.readouterr().out

    assert figures["endpoints"] == 6
    assert figures["concurrency"] == 2
    assert figures["repeat"] == 1
    assert len(figures["runs"]) == 1
    for run in figures["runs"]:
        assert set(run) == {"baseline", "assay", "ratio"}
        assert run["ratio"] > 0
        assert {"total", "setup", "ops", "cpu"} <= set(run["baseline"])
        assert {"total", "load", "ops", "cpu"} <= set(run["assay"])
    for side in ("baseline", "assay"):
        assert figures[side]["seconds"] > 0
        assert figures[side]["checks_per_s"] > 0
    assert figures["assay"]["load"] > 0
    assert figures["conditions"]["checks_per_s"] > 0
    assert figures["conditions"]["conditions_per_s"] > 0
    assert figures["ratio"] > 0

    for label in ("httpx baseline:", "assay run:", "assay loader:", "condition evaluator:"):
        assert label in out
    assert re.search(r"^ratio: \d+\.\d\d$", out, re.MULTILINE), out
