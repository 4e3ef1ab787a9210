"""``/api/v1/integrations`` on SQLite and PostgreSQL: real checks (http.request, tcp.connect)
against a real service on loopback whose health the tests switch between up, degraded and
down; the scheduler, history, retention and the secrets of an integration's credentials."""

from __future__ import annotations

import logging
import os
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import func, select, update

from assay.core.errors import UsageError
from assay.server import create_app, load_settings
from assay.server.db.tables import JobLease, utcnow
from assay.server.integrations import Health, Integrations, store
from assay.server.integrations.tables import IntegrationCheck
from assay.server.jobs import JobContext, JobRegistry, Scheduler, leases
from tests.support.http_service import HttpService
from tests.support.server import Served, assert_error, settings_for
from tests.support.wait import wait_until

SECRET = "itest-bearer-5f1d0c9a7e"  # the credential of the 'secured' integration


@dataclass
class Flaky:
    """A service whose ``/health/{key}`` answers what a test sets, logging what it served."""

    url: str
    status: dict[str, int]
    load: dict[str, int]
    served: dict[str, list[int]]

    def set(self, key: str, status: int = 200, load: int = 10) -> None:
        self.status[key], self.load[key] = status, load


@pytest.fixture(scope="module")
def flaky() -> Iterator[Flaky]:
    app = FastAPI()
    state = Flaky("", defaultdict(lambda: 200), defaultdict(lambda: 10), defaultdict(list))

    @app.get("/health/{key}")
    def health(key: str, request: Request) -> JSONResponse:
        status = state.status[key]
        state.served[key].append(status)
        body = {
            "status": "ok" if status == 200 else "failing",
            "load": state.load[key],
            "auth": request.headers.get("authorization", ""),
        }
        return JSONResponse(body, status_code=status)

    service = HttpService(app=app)
    state.url = service.url
    yield state
    service.stop()


def integrations_file(folder: Path, url: str, key: str, fast: float = 3600.0) -> Path:
    port = url.rsplit(":", 1)[1]
    path = folder / "integrations.yaml"
    path.write_text(
        f"""integrations:
  api:
    description: the API's health
    interval: 3600
    target: {{type: http, base_url: "{url}", retries: {{max_attempts: 1}}}}
    check:
      http.request: {{path: /health/{key}-api}}
      expect:
        conditions: ["[STATUS] == 200", "[BODY].status == ok"]
    degraded: ["[BODY].load < 80"]
  fast:
    interval: {fast}
    target: {{type: http, base_url: "{url}", retries: {{max_attempts: 1}}}}
    check:
      http.request: {{path: /health/{key}-fast}}
      expect: {{conditions: ["[STATUS] == 200"]}}
  port:
    interval: 3600
    target: {{type: net, host: 127.0.0.1}}
    check:
      tcp.connect: {{port: {port}}}
      expect: {{conditions: ["[CONNECTED] == true"]}}
  secured:
    interval: 3600
    target:
      type: http
      base_url: "{url}"
      retries: {{max_attempts: 1}}
      credentials:
        monitor: {{token: "${{ITEST_INTEGRATION_TOKEN}}"}}
    check:
      http.request: {{path: /health/{key}-secured}}
      as: monitor
      expect:
        conditions: ["[STATUS] == 200", "[BODY].auth == nothing"]
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def integrated(
    database_url: str,
    serve: Callable[..., Served],
    flaky: Flaky,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Served]:
    """A server with four integrations; only ``fast`` is checked often (every 0.3 s). It
    stops with the module, before its flaky service does."""
    os.environ["ITEST_INTEGRATION_TOKEN"] = SECRET
    key = "pg" if database_url.startswith("postgresql") else "lite"
    path = integrations_file(tmp_path_factory.mktemp("integrations"), flaky.url, key, 0.3)
    served = serve(settings_for(database_url, integrations_file=path))
    yield served
    served.stop()


KNOWN = {"api", "fast", "port", "secured", "gone"}


def key_of(served: Served) -> str:
    return "pg" if served.db.dialect == "postgresql" else "lite"


def latest_manual(http: httpx.Client, name: str) -> int:
    """The id of the newest check a user asked for (0: none yet)."""
    history = http.get(f"/api/v1/integrations/{name}/health", params={"limit": 500}).json()
    return max(
        (c["id"] for c in history["history"]["items"] if c["trigger"] == "manual"), default=0
    )


def check_now(served: Served, name: str, role: str = "runner") -> httpx.Response:
    """Ask for a check (202 at once), wait until it is recorded, and answer the integration
    as it is then; a refused request's answer as it came."""
    with served.client("viewer") as http:
        before = latest_manual(http, name) if name in KNOWN else 0
    with served.client(role) as http:
        asked = http.post(f"/api/v1/integrations/{name}/health")
    if asked.status_code != 202:
        return asked
    location = f"/api/v1/integrations/{name}/health"
    assert asked.headers["location"] == location
    assert asked.json() == {"integration": name, "status": "queued", "status_url": location}
    with served.client("viewer") as http:
        wait_until(
            lambda: latest_manual(http, name) > before, 30, 0.05, f"{name}'s check never ran"
        )
        return http.get(f"/api/v1/integrations/{name}")


def test_integrations_list_shows_each_check_and_never_its_credentials(
    integrated: Served,
) -> None:
    with integrated.client("viewer") as http:
        response = http.get("/api/v1/integrations")
    assert response.status_code == 200, response.text
    page = response.json()
    assert [i["id"] for i in page["items"]] == ["api", "fast", "port", "secured"]
    assert page["total"] == 4 and page["next_cursor"] is None
    api = page["items"][0]
    assert api["kind"] == "http.request" and api["target_type"] == "http"
    assert api["endpoint"].endswith(f"/health/{key_of(integrated)}-api")
    assert api["conditions"] == ["[STATUS] == 200", "[BODY].status == ok"]
    assert api["degraded_conditions"] == ["[BODY].load < 80"]
    assert api["status"] in {"up", "unknown", "degraded", "down"}
    assert page["items"][2]["kind"] == "tcp.connect"
    assert SECRET not in response.text and "ITEST_INTEGRATION_TOKEN" not in response.text


def test_integrations_list_pages_and_filters(integrated: Served) -> None:
    assert check_now(integrated, "port").json()["status"] == "up"
    with integrated.client("viewer") as http:
        first = http.get("/api/v1/integrations", params={"limit": 3}).json()
        rest = http.get(
            "/api/v1/integrations", params={"limit": 3, "cursor": first["next_cursor"]}
        ).json()
        up = http.get("/api/v1/integrations", params={"status": "up"}).json()
        bad_cursor = http.get("/api/v1/integrations", params={"cursor": "nonsense"})
        bad_status = http.get("/api/v1/integrations", params={"status": "sideways"})
        bad_limit = http.get("/api/v1/integrations", params={"limit": 0})
    assert [i["id"] for i in first["items"]] == ["api", "fast", "port"]
    assert [i["id"] for i in rest["items"]] == ["secured"] and rest["next_cursor"] is None
    assert "port" in [i["id"] for i in up["items"]]
    assert all(i["status"] == "up" for i in up["items"])
    assert_error(bad_cursor, 422, "validation_error", "query.cursor")
    assert_error(bad_status, 422, "validation_error", "query.status.0")
    assert_error(bad_limit, 422, "validation_error", "query.limit")


def test_integrations_check_now_is_up_degraded_or_down_with_the_failing_condition(
    integrated: Served, flaky: Flaky
) -> None:
    key = f"{key_of(integrated)}-api"
    try:
        flaky.set(key, 200, load=10)
        up = check_now(integrated, "api")
        flaky.set(key, 200, load=95)
        degraded = check_now(integrated, "api")
        flaky.set(key, 503)
        down = check_now(integrated, "api")
    finally:
        flaky.set(key)
    assert up.status_code == 200, up.text
    assert up.json()["status"] == "up" and up.json()["failed_conditions"] == []
    assert degraded.json()["status"] == "degraded"
    assert degraded.json()["failed_conditions"] == ["[BODY].load (95) < 80"]
    body = down.json()
    assert body["status"] == "down" and body["checked_at"] and body["status_since"]
    assert "[STATUS] (503) == 200" in body["failed_conditions"]
    assert "[STATUS] (503) == 200" in body["message"]
    assert body["checks"] >= 3 and body["duration_ms"] > 0


def test_integrations_an_unreachable_port_is_down(
    integrated: Served, tmp_path: Path, database_url: str, serve: Callable[..., Served]
) -> None:
    listener = HttpService(app=FastAPI())
    url = listener.url
    listener.stop()  # nothing listens there any more
    path = tmp_path / "gone.yaml"
    path.write_text(
        "integrations:\n  gone:\n    target: {type: net, host: 127.0.0.1}\n"
        f"    check: {{tcp.connect: {{port: {url.rsplit(':', 1)[1]}}}}}\n",
        encoding="utf-8",
    )
    served = serve(settings_for(database_url, integrations_file=path))
    body = check_now(served, "gone").json()
    assert body["status"] == "down" and body["message"], body


def test_integrations_check_now_needs_a_server_that_runs_jobs(
    tmp_path: Path, database_url: str, serve: Callable[..., Served]
) -> None:
    path = tmp_path / "idle.yaml"
    path.write_text(
        "integrations:\n  idle:\n    target: {type: net, host: 127.0.0.1}\n"
        "    check: {tcp.connect: {port: 9}}\n",
        encoding="utf-8",
    )
    served = serve(settings_for(database_url, integrations_file=path, jobs_enabled=False))
    refused = assert_error(check_now(served, "idle"), 409, "conflict")
    assert "jobs_enabled = false" in refused["message"]
    with served.client("viewer") as http:
        assert http.get("/api/v1/integrations/idle/health").json()["history"]["total"] == 0


def test_integrations_history_is_newest_first_and_paginated(
    integrated: Served, flaky: Flaky
) -> None:
    key = f"{key_of(integrated)}-api"
    flaky.set(key, 503)
    try:
        check_now(integrated, "api")
    finally:
        flaky.set(key)
    check_now(integrated, "api")
    with integrated.client("viewer") as http:
        first = http.get("/api/v1/integrations/api/health", params={"limit": 1}).json()
        second = http.get(
            "/api/v1/integrations/api/health",
            params={"limit": 1, "cursor": first["history"]["next_cursor"]},
        ).json()
        downs = http.get("/api/v1/integrations/api/health", params={"status": "down"}).json()
    assert first["integration"]["status"] == "up"
    latest, before = first["history"]["items"][0], second["history"]["items"][0]
    assert latest["status"] == "up" and latest["trigger"] == "manual"
    assert before["status"] == "down" and before["id"] < latest["id"]
    assert "[STATUS] (503) == 200" in before["failed_conditions"]
    assert first["history"]["total"] >= 2
    assert downs["history"]["items"] and all(
        c["status"] == "down" for c in downs["history"]["items"]
    )


def test_integrations_the_scheduler_shows_an_outage_at_the_next_check_and_the_recovery(
    integrated: Served, flaky: Flaky
) -> None:
    key = f"{key_of(integrated)}-fast"
    wait_for(integrated, "fast", "up")
    # checks of an earlier server of this module (xdist may set the module up twice in a
    # worker, on the same database) are not this service's: only the ones from now count
    with integrated.client("viewer") as http:
        before = max(
            (
                c["id"]
                for c in http.get("/api/v1/integrations/fast/health").json()["history"]["items"]
            ),
            default=0,
        )
    flaky.set(key, 503)
    try:
        wait_for(integrated, "fast", "down")
    finally:
        flaky.set(key, 200)
    wait_for(integrated, "fast", "up")
    with integrated.client("viewer") as http:
        history = http.get("/api/v1/integrations/fast/health", params={"limit": 500}).json()
    checks = [
        c
        for c in reversed(history["history"]["items"])
        if c["trigger"] == "schedule" and c["id"] > before
    ]
    # every check recorded what the service served it: the first check that met the outage
    # reported it, and the first that met the recovery reported that (one request a check)
    served = flaky.served[key][-len(checks) :]
    assert [c["status"] for c in checks] == ["up" if s == 200 else "down" for s in served]
    assert "down" in [c["status"] for c in checks] and checks[-1]["status"] == "up"


def wait_for(served: Served, name: str, status: str, deadline_s: float = 30.0) -> None:
    with served.client("viewer") as http:
        wait_until(
            lambda: http.get(f"/api/v1/integrations/{name}").json()["status"] == status,
            deadline_s,
            0.05,
            f"integration {name} never became {status}",
        )


def test_integrations_credentials_never_reach_responses_or_logs(
    integrated: Served, flaky: Flaky, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        checked = check_now(integrated, "secured")
        with integrated.client("viewer") as http:
            health = http.get("/api/v1/integrations/secured/health")
    # the service echoes the Authorization header, so the failure text held the token
    body = checked.json()
    assert body["status"] == "down"
    assert body["failed_conditions"] == ["[BODY].auth (Bearer ***) == nothing"]
    assert flaky.served[f"{key_of(integrated)}-secured"]  # the check reached the service
    for text in (checked.text, health.text, caplog.text):
        assert SECRET not in text


def test_integrations_errors(integrated: Served) -> None:
    with integrated.client() as anonymous:
        assert_error(anonymous.get("/api/v1/integrations"), 401, "unauthorized")
        assert_error(anonymous.post("/api/v1/integrations/api/health"), 401, "unauthorized")
        assert_error(anonymous.get("/api/v1/integrations/api/health"), 401, "unauthorized")
    assert_error(check_now(integrated, "api", role="viewer"), 403, "forbidden")
    assert_error(check_now(integrated, "nope"), 404, "not_found")
    with integrated.client("viewer") as http:
        missing = assert_error(http.get("/api/v1/integrations/nope/health"), 404, "not_found")
        assert_error(http.get("/api/v1/integrations/nope"), 404, "not_found")
        long_id = http.get("/api/v1/integrations/" + "x" * 101)
        bad_cursor = http.get("/api/v1/integrations/api/health", params={"cursor": "AAA"})
    assert "known: api, fast, port, secured" in missing["message"]
    assert_error(long_id, 422, "validation_error", "path.integration_id")
    assert_error(bad_cursor, 422, "validation_error", "query.cursor")


def test_integrations_checks_are_singleton_jobs_across_workers(integrated: Served) -> None:
    context = integrated.app.state.context
    registry = JobRegistry()
    for added in context.part(Integrations).jobs(7.0, 3600.0):
        registry.add(added)
    job = registry.get("integration:port")
    assert job is not None and job.singleton
    log = logging.getLogger("test")
    others = [
        Scheduler(registry, JobContext(integrated.db, context.settings, f"other-{n}", log))
        for n in range(2)
    ]
    # the server's own worker runs the check at start and holds the lease for an interval
    own = context.scheduler.states["integration:port"]
    wait_until(lambda: own.runs > 0, 30, 0.05, "the server's own check never ran")
    assert own.last_status == "ok"
    for scheduler in others:
        scheduler.run_once(job)
    assert [r.states["integration:port"].last_status for r in others] == ["skipped"] * 2
    leases.release(integrated.db, "integration:port", context.worker_id)  # as on shutdown
    before = checks_of(integrated, "port")
    for scheduler in others:
        scheduler.run_once(job)
    assert [r.states["integration:port"].last_status for r in others] == ["ok", "skipped"]
    assert checks_of(integrated, "port") == before + 1


def checks_of(served: Served, name: str) -> int:
    with served.db.read() as session:
        count = session.scalar(select(func.count()).where(IntegrationCheck.integration == name))
    return int(count or 0)


def test_integrations_history_is_kept_for_the_retention_period(integrated: Served) -> None:
    check_now(integrated, "port")
    old = utcnow() - timedelta(days=30)
    with integrated.db.write() as session:
        session.add(
            IntegrationCheck(
                integration="port",
                status=str(Health.UP),
                checked_at=old,
                duration_ms=1.0,
                message="",
                failed_conditions=[],
                http_status=None,
                trigger="schedule",
                worker="test",
            )
        )
    removed = store.forget_before(integrated.db, store.retention_cutoff(7))
    with integrated.db.read() as session:
        left = session.scalar(
            select(func.min(IntegrationCheck.checked_at)).where(
                IntegrationCheck.integration == "port"
            )
        )
    assert removed >= 1 and left is not None and left > old


def test_integrations_file_problems_stop_the_server_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "integrations:\n"
        "  api:\n"
        "    target: {type: http, base_url: 'http://127.0.0.1:9', colour: red}\n"
        "    check: {http.requests: {}}\n"
        "    degraded: ['[STATUS] =! 200']\n"
        "  Bad Name:\n"
        "    target: {type: net}\n"
        "    chek: {}\n",
        encoding="utf-8",
    )
    with pytest.raises(UsageError) as caught:
        load_settings(integrations_file=path)
    text = str(caught.value)
    assert f"{path}:3:" in text and "integrations.api.target.colour: unknown key" in text
    assert f"{path}:4:" in text and "did you mean 'http.request'" in text
    assert "integrations.Bad Name" in text and "lower-case" in text
    with pytest.raises(UsageError, match="file not found"):
        load_settings(integrations_file=tmp_path / "missing.yaml")
    (tmp_path / "list.yaml").write_text("- a\n", encoding="utf-8")
    with pytest.raises(UsageError, match="one key, 'integrations'"):
        load_settings(integrations_file=tmp_path / "list.yaml")


def test_integrations_a_server_without_them_lists_none(server: Served) -> None:
    with server.client("viewer") as http:
        page = http.get("/api/v1/integrations").json()
        missing = http.post("/api/v1/integrations/x/health", headers=_runner(server))
    assert page == {"items": [], "total": 0, "limit": 50, "next_cursor": None}
    assert_error(missing, 404, "not_found")
    assert "none are configured" in missing.json()["error"]["message"]


def _runner(served: Served) -> dict[str, Any]:
    return {"Authorization": f"Bearer {served.tokens['runner']}"}


def test_integrations_create_app_refuses_a_bad_file(tmp_path: Path, database_url: str) -> None:
    path = tmp_path / "i.yaml"
    path.write_text("integrations:\n  x: {target: {type: http}}\n", encoding="utf-8")
    settings = settings_for(database_url)
    with pytest.raises(UsageError, match="missing required key 'check'"):
        create_app(settings.model_copy(update={"integrations_file": path}))


def test_integrations_check_now_runs_here_while_another_worker_holds_the_lease(
    integrated: Served,
) -> None:
    with integrated.db.write() as session:  # whoever held it, another worker holds it now
        session.execute(
            update(JobLease)
            .where(JobLease.name == "integration:port")
            .values(holder="another-worker", expires_at=utcnow() + timedelta(hours=1))
        )
    try:
        body = check_now(integrated, "port").json()
    finally:
        leases.release(integrated.db, "integration:port", "another-worker")
    assert body["status"] == "up" and body["checked_at"]
