"""``/health*``: public, true about the database and the jobs, 503 when the database is down."""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from assay.server.db.migrate import head_revision
from assay.server.jobs import Job, JobRegistry
from assay.server.jobs.registry import JobContext
from tests.support import ports
from tests.support.server import Served, create_session, settings_for


def test_health_is_public_and_alive(server: Served) -> None:
    with server.client() as http:
        live = http.get("/health")
        database = http.get("/health/database")
        detailed = http.get("/health/detailed")
    assert live.status_code == 200 and live.json() == {"status": "ok"}
    assert live.headers["x-request-id"]
    body = database.json()
    assert database.status_code == 200 and body["status"] == "ok"
    assert body["revision"] == body["head"] == head_revision()
    assert body["backend"] == server.db.dialect and body["latency_ms"] >= 0
    assert "postgres@" not in database.text and "assay.db" not in database.text
    info = detailed.json()
    assert detailed.status_code == 200 and info["version"] == "0.1.0"
    assert info["uptime_seconds"] > 0 and info["components"]["database"]["status"] == "ok"


def test_health_jobs_show_the_real_last_run(
    database_url: str, serve: Callable[..., Served]
) -> None:
    served = serve(settings_for(database_url, heartbeat_interval=3600.0))
    with served.client() as http:
        jobs = http.get("/health/jobs").json()
        detailed = http.get("/health/detailed").json()
    by_name = {j["name"]: j for j in jobs["jobs"]}
    beat = by_name["database.heartbeat"]
    # the heartbeat's first run happens at start; its row is what /health/jobs lists
    assert beat["runs"] >= 1 and beat["last_status"] == "ok" and beat["last_finished_at"]
    assert jobs["worker"] in [w["worker"] for w in jobs["workers"]]
    assert by_name["database.housekeeping"]["singleton"] is True
    assert jobs["status"] == "ok" and detailed["components"]["workers"]["count"] >= 1


def test_health_jobs_report_a_failing_job(database_url: str, serve: Callable[..., Served]) -> None:
    def broken(ctx: JobContext) -> None:
        raise RuntimeError("the disk is full")

    registry = JobRegistry()
    registry.add(Job("test.broken", 3600.0, broken, "always fails"))
    from assay.server import create_app

    settings = settings_for(database_url)
    served = serve(settings, create_app(settings, jobs=registry))
    with served.client() as http:
        jobs = http.get("/health/jobs").json()
        detailed = http.get("/health/detailed").json()
    job = next(j for j in jobs["jobs"] if j["name"] == "test.broken")
    assert job["last_status"] == "failed" and job["failures"] == 1
    assert job["last_error"] == "RuntimeError: the disk is full"
    assert jobs["status"] == "degraded" and detailed["status"] == "degraded"


def test_health_database_is_503_when_the_database_is_down(
    serve: Callable[..., Served], free_port: int
) -> None:
    from assay.server import create_app

    settings = settings_for(
        f"postgresql://postgres:hunter2secret@127.0.0.1:{free_port}/none",
        migrate_on_start=False,
        jobs_enabled=False,
    )
    app = create_app(settings)
    from tests.support.http_service import HttpService

    service = HttpService(app=app, lifespan="on")
    try:
        with httpx.Client(base_url=service.url, timeout=30) as http:
            database = http.get("/health/database")
            detailed = http.get("/health/detailed")
            live = http.get("/health")
            shaped = "assay_0123456789ab_" + "x" * 43  # well-formed, so it is looked up
            api = http.get("/api/v1/sessions", headers={"Authorization": f"Bearer {shaped}"})
    finally:
        service.stop()
    assert database.status_code == 503 and database.json()["status"] == "down"
    assert database.json()["error"] == "the database is unavailable"
    assert detailed.status_code == 503 and detailed.json()["status"] == "down"
    assert live.status_code == 200
    assert api.status_code == 503 and api.json()["error"]["code"] == "database_unavailable"
    assert api.headers["retry-after"] == "5"
    for response in (database, detailed, api):
        assert "hunter2secret" not in response.text


@pytest.fixture
def free_port() -> int:
    return ports.free_port()


def test_health_openapi_and_docs_are_served(server: Served) -> None:
    with server.client() as http:
        spec = http.get("/openapi.json").json()
        docs = http.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    paths = spec["paths"]
    for path in (
        "/api/v1/sessions",
        "/api/v1/sessions/{session_id}",
        "/api/v1/sessions/{session_id}/results",
        "/api/v1/sessions/{session_id}/junit",
        "/health/jobs",
    ):
        assert path in paths
    create = paths["/api/v1/sessions"]["post"]
    assert create["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "ErrorOut"
    )
    assert "HTTPBearer" in spec["components"]["securitySchemes"]
    assert (
        "application/xml"
        in paths["/api/v1/sessions/{session_id}/junit"]["post"]["requestBody"]["content"]
    )


def test_health_does_not_need_sessions(server: Served, env: str) -> None:
    # a write right before a health check must not disturb it (one writer at a time on SQLite)
    create_session(server, env)
    with server.client() as http:
        assert http.get("/health/database").json()["status"] == "ok"


def test_health_an_embedded_app_leaves_the_host_process_gc_alone(
    tmp_path: Path, serve: Callable[..., Served]
) -> None:
    """GC tuning is for the processes assay serve owns, not for whoever hosts the app."""
    before = gc.get_threshold()
    frozen = gc.get_freeze_count()
    served = serve(settings_for(f"sqlite:///{tmp_path / 'gc.db'}"))
    with served.client() as client:
        assert client.get("/health").status_code == 200
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen


def test_health_tune_gc_raises_the_young_threshold_and_freezes() -> None:
    from assay.server.app import GC_YOUNG, tune_gc

    before = gc.get_threshold()
    try:
        tune_gc()
        assert gc.get_threshold()[0] >= GC_YOUNG
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
