"""``assay serve``'s metrics and traces as an operator meets them: two workers whose metrics
add up in one scrape, a killed worker whose live gauges are forgotten, console traces that
match the access log, and a bad exporter name refused at start."""

from __future__ import annotations

import json
import os
import re
import signal
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.cli import Running, assay, clean_env, start_serve, stop_serve
from tests.support.wait import wait_until


def scrape(url: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    answer = httpx.get(f"{url}/metrics", timeout=10)
    assert answer.status_code == 200, answer.text
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(answer.text)
        for s in family.samples
    }


def _workers(running: Running, count: int) -> list[str]:
    """The worker ids (host:pid:suffix) once ``count`` of them have a heartbeat."""

    def heartbeats() -> list[str] | None:
        jobs = httpx.get(f"{running.url}/health/jobs", timeout=5).json()
        seen = [str(w["worker"]) for w in jobs["workers"]]
        return seen if len(seen) >= count else None

    return wait_until(heartbeats, 30, 0.2, lambda: running.log.read_text())


def test_serve_metrics_of_two_workers_add_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))  # where assay serve makes its metrics folder
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    running = start_serve(tmp_path, "--workers", "2")
    try:
        assert next(p.name for p in scratch.iterdir()).startswith("assay-metrics-")
        _workers(running, 2)
        health = frozenset({"method": "GET", "route": "/health", "status": "200"}.items())
        before = scrape(running.url)[("assay_http_requests_total", health)]
        for _ in range(20):  # a new connection each: both workers answer some
            assert httpx.get(f"{running.url}/health", timeout=5).status_code == 200
        # a request is counted just after its response is sent: let the last one land
        wait_until(
            lambda: scrape(running.url)[("assay_http_requests_total", health)] >= before + 20,
            10,
            0.05,
        )
        first, second = scrape(running.url), scrape(running.url)
        for samples in (first, second):  # whichever worker answers, the sums are the same
            assert samples[("assay_http_requests_total", health)] == before + 20
            assert samples[("assay_db_pool_connections_max", frozenset())] == 2 * 15
            ok = frozenset({"job": "database.heartbeat", "status": "ok"}.items())
            assert samples[("assay_job_runs_total", ok)] >= 2
    finally:
        code = stop_serve(running)
    assert code in (0, -signal.SIGTERM)
    assert list(scratch.iterdir()) == [], "the metrics folder is removed at exit"


def test_serve_metrics_forget_a_killed_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_123.db").write_bytes(b"stale values of an earlier run")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    running = start_serve(tmp_path, "--workers", "2")
    try:
        assert not (folder / "counter_123.db").exists(), "old values are cleared at start"
        victim = int(_workers(running, 2)[0].split(":")[1])
        os.kill(victim, signal.SIGKILL)

        # uvicorn starts a new worker; the dead one's pool no longer counts
        def forgotten() -> bool:
            limit = scrape(running.url)[("assay_db_pool_connections_max", frozenset())]
            return limit == 2 * 15 and not (folder / f"gauge_livesum_{victim}.db").exists()

        wait_until(
            forgotten,
            30,
            0.2,
            lambda: f"{sorted(folder.iterdir())}\n{running.log.read_text()}",
        )
    finally:
        stop_serve(running)
    assert folder.is_dir(), "an operator's folder is kept"


def test_serve_console_traces_match_the_access_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "console")
    monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "100")
    running = start_serve(tmp_path, "--log-format", "json")
    try:
        assert httpx.get(f"{running.url}/health/database", timeout=5).status_code == 200
    finally:
        stop_serve(running)
    log = running.log.read_text()
    access = [
        json.loads(line)
        for line in log.splitlines()
        if line.startswith("{") and '"route": "/health/database"' in line
    ]
    assert len(access) == 1, log
    trace_id = access[0]["trace_id"]
    assert re.fullmatch(r"[0-9a-f]{32}", trace_id) and re.fullmatch(
        r"[0-9a-f]{16}", access[0]["span_id"]
    )
    # the console exporter prints each span as JSON: the request's and its SELECTs
    spans = re.findall(r'"name": "([^"]+)",\s+"context": \{\s+"trace_id": "0x' + trace_id, log)
    assert "GET /health/database" in spans and any(s.startswith("SELECT") for s in spans), log
    assert "Traceback" not in log


def test_serve_refuses_an_unknown_trace_exporter(tmp_path: Path) -> None:
    done = assay("serve", env=clean_env(tmp_path) | {"OTEL_TRACES_EXPORTER": "zipkin"})
    assert done.returncode == 2, done.stderr
    assert "OTEL_TRACES_EXPORTER: unknown exporter 'zipkin'" in done.stderr
    assert "Traceback" not in done.stderr
