"""The server load benchmark (bench/server_load.py) runs end to end on a tiny load: a real
``assay serve`` and a trivial uvicorn app as subprocesses, a few clients, SQLite.

Only the structure of its figures is checked, never the timings.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

import psycopg
import pytest

from tests.support.bench import load_bench


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_bench("server_load")


def test_percentiles_pick_the_nearest_rank(bench: ModuleType) -> None:
    values = [float(v) for v in range(1, 101)]
    assert [bench.percentile(values, q) for q in (50, 95, 99, 100)] == [50, 95, 99, 100]
    assert bench.percentile([], 95) == 0.0
    assert bench.percentile([7.0], 99) == 7.0


def test_throwaway_postgres_database_is_dropped(bench: ModuleType, tmp_path: Path) -> None:
    with bench.database("postgresql", tmp_path) as url:
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(url, connect_timeout=5) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == (name,)
    with psycopg.connect(bench.ADMIN_URL, connect_timeout=5) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        assert found.fetchone() is None


def test_bench_main_runs_a_tiny_load(bench: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    figures = bench.main(
        [
            "--quick",
            "--clients", "6",
            "--duration", "1.5",
            "--think", "0.2",
            "--batch", "5",
            "--uploaders", "2",
            "--burst-batch", "50",
            "--burst-duration", "1",
        ]
    )  # fmt: skip
    out = capsys.readouterr().out

    (sqlite,) = figures["databases"]
    assert sqlite["database"] == "sqlite" and sqlite["problems"] == []
    kinds = set(sqlite["operations"])
    assert kinds <= {"health", "session list", "session detail", "results page", "upload (5)"}
    assert sqlite["reads"]["count"] > 0 and sqlite["all"]["count"] >= sqlite["reads"]["count"]
    for stats in (sqlite["reads"], sqlite["trivial"], sqlite["burst"]):
        assert 0 < stats["p50"] <= stats["p95"] <= stats["p99"] <= stats["max"]
    assert sqlite["burst_results_per_s"] > 0 and sqlite["raw_rows_per_s"] > 0
    # the server's own counter saw every result the clients were told it accepted
    assert sqlite["server_counted_per_s"] == pytest.approx(sqlite["mix_results_per_s"])
    for label in ("baseline trivial endpoint", "baseline raw INSERT", "load generator:"):
        assert label in out
    assert re.search(r"target: reads p95 < 100 ms \.+ (met|MISSED) \(", out), out
    assert re.search(r"target: > 2,000 results/s ingested \.+ (met|MISSED)", out), out
    assert re.search(r"reads p95 / trivial p95 = \d+\.\d\d", out), out
