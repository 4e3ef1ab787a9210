"""Monitors against real parts: a local service that turns healthy, failing or slow on
request; assay's signed webhook and apprise's json:// to a real receiver; SQLite and
PostgreSQL; a server restarted in the middle of an outage."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from assay.server.db.tables import JobLease, utcnow
from assay.server.monitors.runtime import MonitorRuntime
from tests.support.fake_github import start_fake
from tests.support.http_service import HttpService
from tests.support.receivers import WebhookReceiver
from tests.support.server import Served, settings_for
from tests.support.wait import wait_until

SECRET_ENV = "ITEST_MONITOR_HOOK_SECRET"


class Service:
    """A health endpoint whose answer a test sets: 200, or any status."""

    def __init__(self) -> None:
        self.status = 200
        app = FastAPI()

        @app.get("/health")
        def health() -> JSONResponse:
            return JSONResponse({"ok": self.status == 200}, status_code=self.status)

        self.http = HttpService(app=app)
        self.url = self.http.url


@pytest.fixture
def service() -> Iterator[Service]:
    svc = Service()
    yield svc
    svc.http.stop()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    hook = WebhookReceiver()
    os.environ[SECRET_ENV] = hook.secret
    yield hook
    hook.close()


def monitors_file(folder: Path, service: Service, receiver: WebhookReceiver, **extra: Any) -> Path:
    failures = extra.get("failures", 2)
    path = folder / "monitors.yaml"
    path.write_text(
        f"""providers:
  hook: {{webhook: "{receiver.url}/signed", secret: "${{{SECRET_ENV}}}"}}
  chat: {{apprise: "json://{receiver.url.removeprefix("http://")}/apprise"}}
monitors:
  - name: svc
    interval: 0.3
    labels: {{team: core}}
    target: {{type: http, base_url: "{service.url}", retries: {{max_attempts: 1}}}}
    check:
      http.request: {{path: /health}}
      expect: {{conditions: ["[STATUS] == 200"]}}
    thresholds: {{failures: {failures}}}
    alerts: [{{on: [down, recovered], notify: [hook, chat]}}]
""",
        encoding="utf-8",
    )
    return path


def start(serve: Callable[..., Served], db: str, path: Path, **overrides: Any) -> Served:
    values = {"monitors_file": path, "monitor_alert_interval": 0.2} | overrides
    return serve(settings_for(db, **values))


def monitor(served: Served, name: str = "svc") -> dict[str, Any]:
    with served.client("viewer") as http:
        answer = http.get(f"/api/v1/monitors/{name}")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def state_of(served: Served) -> str:
    return str(monitor(served)["state"]["state"])


def events(receiver: WebhookReceiver, path: str = "signed") -> list[str]:
    out = []
    for got in receiver.at(path):
        data = got.json
        out.append(str(data.get("event") or data.get("title", "")))
    return out


def apprise_titles(receiver: WebhookReceiver) -> list[str]:
    return [str(r.json.get("title", "")) for r in receiver.at("apprise")]


def test_monitor_outage_is_seen_alerted_once_and_recovers(
    fresh_db: str,
    serve_here: Callable[..., Served],
    service: Service,
    receiver: WebhookReceiver,
    tmp_path: Path,
) -> None:
    served = start(serve_here, fresh_db, monitors_file(tmp_path, service, receiver))
    wait_until(lambda: state_of(served) == "up", 30, 0.05, "the monitor never came up")
    service.status = 503
    wait_until(lambda: state_of(served) == "down", 30, 0.05, "the outage was never seen")
    down = monitor(served)["state"]
    assert "[STATUS] (503) == 200" in down["last_message"] and down["incident"]
    wait_until(lambda: "down" in events(receiver), 30, 0.05, "no webhook alert for the outage")
    wait_until(
        lambda: any("DOWN" in t for t in apprise_titles(receiver)),
        30,
        0.05,
        "no apprise alert for the outage",
    )
    service.status = 200
    wait_until(lambda: state_of(served) == "up", 30, 0.05, "the recovery was never seen")
    wait_until(lambda: "recovered" in events(receiver), 30, 0.05, "no alert for the recovery")
    wait_until(
        lambda: any("RECOVERED" in t for t in apprise_titles(receiver)),
        30,
        0.05,
        "no apprise alert for the recovery",
    )
    assert events(receiver) == ["down", "recovered"]  # each once, in order
    assert all(r.signed for r in receiver.at("signed"))
    first = receiver.at("signed")[0].json
    assert first["monitor"] == "svc" and first["key"].startswith("svc/svc@")
    assert first["incident"] == down["incident"] and "[STATUS] (503) == 200" in first["message"]
    with served.client("viewer") as http:
        alerts = http.get("/api/v1/alerts", params={"monitor": "svc"}).json()
    assert alerts["total"] == 4 and {a["status"] for a in alerts["items"]} == {"sent"}
    with served.client("viewer") as http:
        listed = http.get("/api/v1/monitors").json()["items"][0]
        uptime = http.get("/api/v1/monitors/svc/uptime").json()
    assert 0 < listed["uptime_24h"] < 1 and listed["p95_24h_ms"] > 0
    figures_match_the_raw_runs(served, uptime["windows"]["1h"])
    assert {(a["event"], a["provider"]) for a in alerts["items"]} == {
        ("down", "hook"),
        ("down", "chat"),
        ("recovered", "hook"),
        ("recovered", "chat"),
    }


def test_monitor_restart_during_an_outage_neither_loses_nor_repeats_an_alert(
    fresh_db: str,
    serve_here: Callable[..., Served],
    service: Service,
    receiver: WebhookReceiver,
    tmp_path: Path,
) -> None:
    path = monitors_file(tmp_path, service, receiver)
    # the first server never delivers (its delivery job waits an hour): the alert it
    # decides stays in the outbox when it stops
    first = start(serve_here, fresh_db, path, monitor_alert_interval=3600.0)
    wait_until(lambda: state_of(first) == "up", 30, 0.05, "the monitor never came up")
    service.status = 503
    wait_until(lambda: state_of(first) == "down", 30, 0.05, "the outage was never seen")
    first.stop()
    assert events(receiver) == []
    second = start(serve_here, fresh_db, path)
    wait_until(lambda: events(receiver).count("down") == 1, 30, 0.05, "the alert was lost")
    before = monitor(second)["state"]["runs"]
    wait_until(
        lambda: monitor(second)["state"]["runs"] >= before + 5,
        30,
        0.05,
        "the second server does not run the monitor",
    )
    assert state_of(second) == "down" and events(receiver) == ["down"]
    service.status = 200
    wait_until(lambda: "recovered" in events(receiver), 30, 0.05, "no alert for the recovery")
    assert events(receiver) == ["down", "recovered"]


def test_monitor_maintenance_window_silences_an_outage(
    fresh_db: str,
    serve_here: Callable[..., Served],
    service: Service,
    receiver: WebhookReceiver,
    tmp_path: Path,
) -> None:
    served = start(serve_here, fresh_db, monitors_file(tmp_path, service, receiver))
    wait_until(lambda: state_of(served) == "up", 30, 0.05, "the monitor never came up")
    with served.client("runner") as http:
        window = http.post(
            "/api/v1/maintenance", json={"monitors": ["svc"], "for": "10m", "reason": "deploy"}
        )
    assert window.status_code == 201, window.text
    assert window.json()["active"] is True
    service.status = 503
    wait_until(lambda: state_of(served) == "maintenance", 30, 0.05, "no maintenance state")
    before = monitor(served)["state"]["runs"]
    wait_until(lambda: monitor(served)["state"]["runs"] >= before + 4, 30, 0.05, "no runs")
    assert state_of(served) == "maintenance" and events(receiver) == []
    with served.client("runner") as http:
        ended = http.delete(f"/api/v1/maintenance/{window.json()['id']}")
    assert ended.status_code == 204
    wait_until(lambda: state_of(served) == "down", 30, 0.05, "the outage after the window")
    wait_until(lambda: "down" in events(receiver), 30, 0.05, "no alert after the window")


def figures_match_the_raw_runs(served: Served, figures: dict[str, Any]) -> None:
    """The roll-ups' uptime and percentiles equal those computed here from the raw runs
    (exactly; percentiles by nearest rank, within the sketch's 1 %). Runs recorded after
    the figures were read are left out by their count."""
    with served.client("viewer") as http:
        runs = http.get("/api/v1/monitors/svc/history", params={"limit": 500}).json()["items"]
    counted = sorted(runs, key=lambda r: r["id"])[: figures["runs"]]
    assert len(counted) == figures["runs"] and figures["down"] >= 2 and figures["up"] >= 2
    good = sum(r["verdict"] in ("up", "degraded") for r in counted)
    assert figures["uptime"] == pytest.approx(good / len(counted), abs=1e-12)
    latencies = sorted(r["duration_ms"] for r in counted)
    for q, key in ((0.5, "p50_ms"), (0.95, "p95_ms"), (0.99, "p99_ms")):
        rank = max(1, math.ceil(q * len(latencies)))
        assert figures[key] == pytest.approx(latencies[rank - 1], rel=0.011), key


def test_monitor_one_server_leads_and_another_takes_over_when_it_stops(
    fresh_db: str,
    serve_here: Callable[..., Served],
    service: Service,
    receiver: WebhookReceiver,
    tmp_path: Path,
) -> None:
    path = monitors_file(tmp_path, service, receiver)
    first = start(serve_here, fresh_db, path)
    second = start(serve_here, fresh_db, path)
    leader = second.app.state.context.part(MonitorRuntime)

    def holder() -> str | None:
        with first.db.read() as session:
            row = session.get(JobLease, "monitors.leader")
            return row.holder if row is not None and row.expires_at > utcnow() else None

    assert holder() == first.app.state.context.worker_id and not leader.leading
    runs = monitor(first)["state"]["runs"]
    wait_until(lambda: monitor(first)["state"]["runs"] >= runs + 3, 30, 0.05, "no runs")
    first.stop()
    wait_until(
        lambda: holder() == second.app.state.context.worker_id,
        30,
        0.05,
        "the second server never took over",
    )
    runs = monitor(second)["state"]["runs"]
    wait_until(
        lambda: monitor(second)["state"]["runs"] >= runs + 3,
        30,
        0.05,
        "the second server does not run the monitor",
    )


def test_monitor_series_on_metrics_and_probe_in_blackbox_style(
    fresh_db: str,
    serve_here: Callable[..., Served],
    service: Service,
    receiver: WebhookReceiver,
    tmp_path: Path,
) -> None:
    served = start(serve_here, fresh_db, monitors_file(tmp_path, service, receiver))
    wait_until(lambda: state_of(served) == "up", 30, 0.05, "the monitor never came up")
    with httpx.Client(base_url=served.url, timeout=30) as http:
        healthy = http.get("/probe", params={"monitor": "svc"})
        service.status = 503
        failing = http.get("/probe", params={"monitor": "svc"})
        unknown = http.get("/probe", params={"monitor": "nope"})
        wait_until(lambda: state_of(served) == "down", 30, 0.05, "the outage was never seen")
        wait_until(
            lambda: 'assay_monitor_up{monitor="svc"} 0.0' in http.get("/metrics").text,
            30,
            0.05,
            "/metrics never said the monitor was down",
        )
        metrics = http.get("/metrics").text
    assert healthy.status_code == failing.status_code == 200
    assert "probe_success 1" in healthy.text and "probe_success 0" in failing.text
    assert "probe_duration_seconds " in failing.text and unknown.status_code == 404
    assert 'assay_monitor_status{monitor="svc"} 3.0' in metrics
    assert 'assay_monitor_runs_total{monitor="svc",verdict="down"}' in metrics
    assert 'assay_monitor_run_duration_seconds_bucket{le="0.005",monitor="svc"}' in metrics


def test_monitor_alert_becomes_a_github_issue_through_feedback(
    fresh_db: str,
    serve_here: Callable[..., Served],
    service: Service,
    receiver: WebhookReceiver,
    tmp_path: Path,
) -> None:
    token = "ghp_fake0123456789abcdefMONITOR"
    github = start_fake(token, repository="acme/monitors")
    try:
        path = monitors_file(tmp_path, service, receiver)
        text = path.read_text().replace(
            "providers:\n", "providers:\n  issues: {github: {severity: critical}}\n"
        )
        path.write_text(text.replace("notify: [hook, chat]", "notify: [issues]"))
        served = start(
            serve_here,
            fresh_db,
            path,
            github_repository=github.repository,
            github_token=token,
            github_api_url=github.url,
            feedback_interval=0.1,
        )
        wait_until(lambda: state_of(served) == "up", 30, 0.05, "the monitor never came up")
        service.status = 503
        wait_until(lambda: len(github.issues) >= 1, 30, 0.05, "no GitHub issue for the outage")
    finally:
        github.stop()
    (issue,) = github.issues
    assert issue["title"] == "[assay] svc is DOWN"
    assert "[STATUS] (503) == 200" in issue["body"]
    assert {"name": "severity:critical"} in issue["labels"]
    assert token not in str(issue)
