"""``/metrics`` scraped from a real server (uvicorn, SQLite and PostgreSQL) and read with
prometheus-client's own parsers: requests by route template, results, rate limits, the
database pool, jobs, and who may read it."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_om
from prometheus_client.parser import text_string_to_metric_families

from tests.support.server import Served, assert_error, settings_for, step
from tests.support.wait import wait_until

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(served: Served, http: httpx.Client | None = None) -> Samples:
    """Every sample of ``/metrics``: (name, labels) -> value."""
    if http is None:
        with httpx.Client(base_url=served.url, timeout=30) as client:
            answer = client.get("/metrics")
    else:
        answer = http.get("/metrics")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    samples: Samples = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def settled(served: Served, done: Callable[[Samples], bool]) -> Samples:
    """A scrape once ``done`` holds: a request is counted just after its response is sent,
    so the client can be a little ahead of the counters."""

    def ready() -> Samples | None:
        samples = scrape(served)
        return samples if done(samples) else None

    return wait_until(ready, 10, 0.02, lambda: f"counters never settled: {scrape(served)}")


def test_metrics_count_requests_by_route_template_and_status(server: Served, env: str) -> None:
    with server.client("runner") as http:
        sid = http.post("/api/v1/sessions", json={"environment": env}).json()["id"]
        before = scrape(server)
        for _ in range(3):
            assert http.get(f"/api/v1/sessions/{sid}").status_code == 200
        assert http.get("/api/v1/sessions/no-such-session").status_code == 404
        assert http.get("/no/such/path").status_code == 404
    route = "/api/v1/sessions/{session_id}"
    ok = {"method": "GET", "route": route, "status": "200"}
    unmatched = {"method": "GET", "route": "(unmatched)", "status": "404"}
    after = settled(
        server,
        lambda s: (
            value(s, "assay_http_requests_total", **unmatched)
            > value(before, "assay_http_requests_total", **unmatched)
        ),
    )
    for name in ("assay_http_requests_total", "assay_http_request_duration_seconds_count"):
        assert value(after, name, **ok) - value(before, name, **ok) == 3
    missing = {"method": "GET", "route": route, "status": "404"}
    assert (
        value(after, "assay_http_requests_total", **missing)
        - value(before, "assay_http_requests_total", **missing)
        == 1
    )
    assert (
        value(after, "assay_http_requests_total", **unmatched)
        - value(before, "assay_http_requests_total", **unmatched)
        == 1
    )
    # latency buckets are cumulative and end with every request
    buckets = sorted(
        (float(dict(labels)["le"]), v)
        for (name, labels), v in after.items()
        if name == "assay_http_request_duration_seconds_bucket"
        and dict(labels).get("route") == route
        and dict(labels).get("status") == "200"
    )
    counts = [v for _, v in buckets]
    assert counts == sorted(counts) and counts[-1] == value(
        after, "assay_http_request_duration_seconds_count", **ok
    )
    # ids never become labels: the scrape itself is the one request in flight
    assert not any(sid in str(labels) for _, labels in after)
    assert value(after, "assay_http_requests_in_progress") >= 1


def test_metrics_count_results_ingested_and_duplicates(server: Served, env: str) -> None:
    with server.client("runner") as http:
        sid = http.post("/api/v1/sessions", json={"environment": env}).json()["id"]
        before = scrape(server)
        first = http.post(f"/api/v1/sessions/{sid}/results", json={"results": [step(0), step(1)]})
        again = http.post(
            f"/api/v1/sessions/{sid}/results", json={"results": [step(1), step(2), step(3)]}
        )
        after = scrape(server)
    assert first.json()["accepted"] == 2 and again.json()["duplicates"] == 1
    delta = {
        name: value(after, name) - value(before, name)
        for name in ("assay_results_ingested_total", "assay_results_duplicates_total")
    }
    assert delta == {"assay_results_ingested_total": 4, "assay_results_duplicates_total": 1}


def test_metrics_database_pool_and_build_info(server: Served) -> None:
    samples = scrape(server)
    pool = server.db.engine.pool
    limit = pool.size() + pool._max_overflow  # type: ignore[attr-defined]
    assert value(samples, "assay_db_pool_connections_max") == limit
    assert value(samples, "assay_db_pool_connections_in_use") == 0  # the scrape needs none
    assert 1 <= value(samples, "assay_db_pool_connections_open") <= limit
    assert value(samples, "assay_build_info", version="0.1.0", database=server.db.dialect) == 1
    assert value(samples, "process_cpu_seconds_total") > 0


def test_metrics_rate_limited_requests(tmp_path: Path, serve: Callable[..., Served]) -> None:
    served = serve(settings_for(f"sqlite:///{tmp_path / 'a.db'}", rate_limit="2/minute"))
    with served.client("viewer") as http:
        codes = [http.get("/api/v1/sessions").status_code for _ in range(4)]
    assert codes == [200, 200, 429, 429]
    limited = {"method": "GET", "route": "/api/v1/sessions", "status": "429"}
    samples = settled(served, lambda s: value(s, "assay_http_requests_total", **limited) >= 2)
    assert value(samples, "assay_rate_limited_requests_total") == 2
    assert value(samples, "assay_http_requests_total", **limited) == 2


def test_metrics_jobs_runs_and_last_success(tmp_path: Path, serve: Callable[..., Served]) -> None:
    started = time.time()
    served = serve(settings_for(f"sqlite:///{tmp_path / 'j.db'}", heartbeat_interval=0.2))
    job = {"job": "database.heartbeat"}
    samples = settled(served, lambda s: value(s, "assay_job_runs_total", status="ok", **job) >= 2)
    assert value(samples, "assay_job_last_success_timestamp_seconds", **job) >= started
    assert value(samples, "assay_job_duration_seconds_count", **job) >= 2
    assert value(samples, "assay_job_runs_total", status="failed", **job) == 0


def test_metrics_openmetrics_when_asked(server: Served) -> None:
    answer = httpx.get(
        f"{server.url}/metrics", headers={"Accept": "application/openmetrics-text"}, timeout=30
    )
    assert answer.headers["content-type"].startswith("application/openmetrics-text")
    names = {family.name for family in parse_om(answer.text)}
    assert {"assay_http_requests", "assay_results_ingested", "assay_build_info"} <= names


@pytest.mark.parametrize("access", ["viewer", "off"])
def test_metrics_access_can_need_a_token_or_be_off(
    tmp_path: Path, serve: Callable[..., Served], access: str
) -> None:
    served = serve(settings_for(f"sqlite:///{tmp_path / 'm.db'}", metrics=access))
    with served.client() as anonymous:
        answer = anonymous.get("/metrics")
    if access == "off":
        assert_error(answer, 404, "not_found")
        return
    assert_error(answer, 401, "unauthorized")
    with served.client("viewer") as http:
        samples = scrape(served, http)
    assert value(samples, "assay_build_info", version="0.1.0", database="sqlite") == 1
    # the token's id is in the access log, never in a metric
    text = httpx.get(
        f"{served.url}/metrics",
        headers={"Authorization": f"Bearer {served.tokens['viewer']}"},
        timeout=30,
    ).text
    for token in served.tokens.values():
        assert token.split("_")[1] not in text and token.split("_", 2)[2] not in text
